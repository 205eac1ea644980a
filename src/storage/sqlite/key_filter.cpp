#include "storage/sqlite/key_filter.h"

#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <new>

namespace stacklens::sqlite {

namespace {
constexpr size_t kBlockWords = 8;  // 64 bytes

uint64_t mix(uint64_t x) {  // splitmix64's finaliser
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

uint64_t* map_zeroed(size_t bytes) {
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  ::madvise(p, bytes, MADV_HUGEPAGE);  // a hint: without transparent huge pages it does nothing
  return static_cast<uint64_t*>(p);
}
}  // namespace

void KeyFilter::Unmap::operator()(uint64_t* p) const { ::munmap(p, bytes); }

KeyFilter::KeyFilter(size_t bytes)
    : blocks_(std::bit_floor(std::max<size_t>(bytes / (kBlockWords * 8), 1))),
      words_(map_zeroed(blocks_ * kBlockWords * sizeof(uint64_t)), Unmap{blocks_ * kBlockWords * sizeof(uint64_t)}) {}

KeyFilter::Probe KeyFilter::probe(int64_t project_id, int64_t key) const {
  // Keys are already hashes of the ids; mixing in the project keeps pairs apart.
  const uint64_t h = mix(static_cast<uint64_t>(key) ^ mix(static_cast<uint64_t>(project_id) + 0x9e3779b97f4a7c15ULL));
  Probe p{words_.get() + (h & (blocks_ - 1)) * kBlockWords, {}};
  uint64_t bits = mix(h);  // 6 probes x 9 bits (word 3, bit 6) = 54 bits
  for (int i = 0; i < kProbes; ++i, bits >>= 9) p.masks[(bits >> 6) & 7] |= uint64_t{1} << (bits & 63);
  return p;
}

void KeyFilter::add(int64_t project_id, int64_t key) {
  empty_ = false;
  Probe p = probe(project_id, key);
  for (size_t w = 0; w < kBlockWords; ++w) p.block[w] |= p.masks[w];
}

bool KeyFilter::may_contain(int64_t project_id, int64_t key) const {
  const Probe p = probe(project_id, key);
  for (size_t w = 0; w < kBlockWords; ++w)
    if ((p.block[w] & p.masks[w]) != p.masks[w]) return false;
  return true;
}

void KeyFilter::clear() {
  if (empty_) return;
  std::fill(words_.get(), words_.get() + blocks_ * kBlockWords, 0);
  empty_ = true;
}

}  // namespace stacklens::sqlite
