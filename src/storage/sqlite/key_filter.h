#pragma once
// A Bloom filter over (project, 64-bit key) pairs: "certainly absent" or "maybe present".
//
// The writer asks it before looking a new trace up in trace_keys: most traces are new, and
// a B-tree lookup that finds nothing is a large part of the writer's time per span. The
// filter has a fixed size, so its memory does not grow with the store; as it fills, more
// answers are "maybe", and those cost the lookup they cost without it (docs/benchmarks.md
// has the false-positive rates of the default 8 MiB).
//
// Each pair sets bits within one 64-byte block (one cache line per test).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>

namespace stacklens::sqlite {

class KeyFilter {
 public:
  // bytes: rounded down to a power of two, at least one block.
  explicit KeyFilter(size_t bytes);

  void add(int64_t project_id, int64_t key);
  bool may_contain(int64_t project_id, int64_t key) const;
  void clear();

 private:
  static constexpr int kProbes = 6;
  struct Probe {
    uint64_t* block;
    uint64_t masks[8];
  };
  Probe probe(int64_t project_id, int64_t key) const;

  size_t blocks_;  // a power of two
  bool empty_ = true;  // nothing added since construction or clear(): clear() need not touch the pages
  struct Unmap {
    size_t bytes;
    void operator()(uint64_t* p) const;
  };
  // Mapped, not allocated: pages are touched only as bits are set, and the kernel is asked for
  // huge pages (each test is a random cache line, and with 4 KiB pages also a TLB miss).
  std::unique_ptr<uint64_t[], Unmap> words_;
};

}  // namespace stacklens::sqlite
