#include "crypto/sealer.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>
#include <lz4.h>
#include <zstd.h>

#include <fmt/format.h>
#include <array>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

namespace stacklens {
namespace {

constexpr size_t kCompressAbove = 256;

std::string to_hex(std::string_view raw) {
  std::string out(raw.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
  out.pop_back();
  return out;
}

Result<std::map<int, std::string>> read_ring(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return make_error(ErrorCode::internal, fmt::format("cannot read key file {}", file.string()));
  std::map<int, std::string> keys;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    int id = 0;
    std::string hex;
    ls >> id >> hex;
    std::string raw(crypto_aead_xchacha20poly1305_ietf_KEYBYTES, '\0');
    size_t len = 0;
    if (id <= 0 || sodium_hex2bin(reinterpret_cast<unsigned char*>(raw.data()), raw.size(), hex.data(), hex.size(),
                                  nullptr, &len, nullptr) != 0 ||
        len != raw.size())
      return make_error(ErrorCode::internal, fmt::format("key file {} has a malformed line", file.string()));
    keys[id] = raw;
  }
  if (keys.empty()) return make_error(ErrorCode::internal, fmt::format("key file {} holds no key", file.string()));
  return keys;
}

Status append_key(const std::filesystem::path& file, int id) {
  std::string raw(crypto_aead_xchacha20poly1305_ietf_KEYBYTES, '\0');
  crypto_aead_xchacha20poly1305_ietf_keygen(reinterpret_cast<unsigned char*>(raw.data()));
  const std::string line = fmt::format("{} {}\n", id, to_hex(raw));
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return make_error(ErrorCode::internal, fmt::format("cannot write key file {}", file.string()));
  ::fchmod(fd, 0600);
  const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return make_error(ErrorCode::internal, fmt::format("cannot write key file {}", file.string()));
  return ok_status();
}

// The sealed body: a format byte, then the text. 0: as is; 2: a zstd frame (written until
// LZ4 replaced it; still read); 3: the text's length (4 bytes, little-endian) and an LZ4 block.
constexpr char kPlain = '\0', kZstd = '\2', kLz4 = '\3';

// LZ4 rather than zstd or zlib: compression runs on the request threads, and on prompt-like
// text LZ4 is several times faster than either at their fastest, for a somewhat larger output.
// Writes format byte + length + block into `out` and returns their size; 0 when it would not
// be smaller. `out` only grows (a buffer reused across calls, so it is not cleared each time).
size_t compress_into(std::string_view in, std::string& out) {
  const int bound = LZ4_compressBound(static_cast<int>(in.size()));
  if (out.size() < 5 + static_cast<size_t>(bound)) out.resize(5 + static_cast<size_t>(bound));
  out[0] = kLz4;
  const auto n32 = static_cast<uint32_t>(in.size());
  for (int i = 0; i < 4; ++i) out[1 + i] = static_cast<char>((n32 >> (8 * i)) & 0xff);
  const int n = LZ4_compress_default(in.data(), out.data() + 5, static_cast<int>(in.size()), bound);
  if (n <= 0 || static_cast<size_t>(n) + 5 >= in.size() + 1) return 0;
  return 5 + static_cast<size_t>(n);
}

// A fresh nonce: 16 random bytes drawn once per thread, then the thread's count of nonces.
// Unique like a random one, without a system call (getrandom) per sealed text.
void next_nonce(unsigned char* nonce) {
  static_assert(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES == 24);
  thread_local const auto prefix = [] {
    std::array<unsigned char, 16> p{};
    randombytes_buf(p.data(), p.size());
    return p;
  }();
  thread_local uint64_t count = 0;
  ++count;
  std::memcpy(nonce, prefix.data(), prefix.size());
  for (int i = 0; i < 8; ++i) nonce[16 + i] = static_cast<unsigned char>(count >> (8 * i));
}

Result<std::string> lz4_decompress(std::string_view in) {
  if (in.size() < 4) return make_error(ErrorCode::internal, "stored text is corrupt (lz4)");
  uint32_t size = 0;
  for (int i = 0; i < 4; ++i) size |= static_cast<uint32_t>(static_cast<unsigned char>(in[i])) << (8 * i);
  if (size > (1u << 31)) return make_error(ErrorCode::internal, "stored text is corrupt (lz4)");
  std::string out(size, '\0');
  const int n = LZ4_decompress_safe(in.data() + 4, out.data(), static_cast<int>(in.size() - 4), static_cast<int>(size));
  if (n < 0 || static_cast<uint32_t>(n) != size) return make_error(ErrorCode::internal, "stored text is corrupt (lz4)");
  return out;
}

Result<std::string> zstd_decompress(std::string_view in) {
  const unsigned long long size = ZSTD_getFrameContentSize(in.data(), in.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > (1ull << 31))
    return make_error(ErrorCode::internal, "stored text is corrupt (zstd)");
  std::string out(size, '\0');
  const size_t n = ZSTD_decompress(out.data(), out.size(), in.data(), in.size());
  if (ZSTD_isError(n) || n != size) return make_error(ErrorCode::internal, "stored text is corrupt (zstd)");
  return out;
}

}  // namespace

std::string seal_context(const Span& s, std::string_view field) {
  return fmt::format("{}|{}|{}|{}", s.project_id, s.trace_id, s.span_id, field);
}

Result<Sealer> Sealer::open_or_create(const std::filesystem::path& key_file) {
  if (sodium_init() < 0) return make_error(ErrorCode::internal, "libsodium failed to initialise");
  if (!std::filesystem::exists(key_file)) {
    auto st = append_key(key_file, 1);
    if (!st) return st.error();
  }
  struct stat sb {};
  if (::stat(key_file.c_str(), &sb) == 0 && (sb.st_mode & 077) != 0)
    return make_error(ErrorCode::internal,
                      fmt::format("key file {} must not be readable by group or others (chmod 600)", key_file.string()));
  auto ring = read_ring(key_file);
  if (!ring) return ring.error();
  Sealer s;
  s.keys_ = std::move(*ring);
  s.active_ = s.keys_.rbegin()->first;
  return s;
}

Result<int> Sealer::rotate(const std::filesystem::path& key_file) {
  auto ring = read_ring(key_file);
  if (!ring) return ring.error();
  const int id = ring->rbegin()->first + 1;
  auto st = append_key(key_file, id);
  if (!st) return st.error();
  return id;
}

SealedText Sealer::seal(std::string_view plain, std::string_view context) const {
  thread_local std::string buffer;
  size_t size = plain.size() > kCompressAbove ? compress_into(plain, buffer) : 0;
  if (size == 0) {
    size = 1 + plain.size();
    if (buffer.size() < size) buffer.resize(size);
    buffer[0] = kPlain;
    std::copy(plain.begin(), plain.end(), buffer.begin() + 1);
  }
  const std::string_view body(buffer.data(), size);
  const auto& key = keys_.at(active_);
  std::string out(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + body.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES,
                  '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(out.data());
  next_nonce(nonce);
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(nonce + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &clen,
                                             reinterpret_cast<const unsigned char*>(body.data()), body.size(),
                                             reinterpret_cast<const unsigned char*>(context.data()), context.size(),
                                             nullptr, nonce, reinterpret_cast<const unsigned char*>(key.data()));
  out.resize(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + clen);
  return SealedText{std::move(out), active_};
}

Result<std::string> Sealer::open(const SealedText& sealed, std::string_view context) const {
  auto it = keys_.find(sealed.key_id);
  if (it == keys_.end())
    return make_error(ErrorCode::internal, fmt::format("encryption key {} is missing from the key file", sealed.key_id));
  constexpr size_t kN = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  if (sealed.bytes.size() < kN + crypto_aead_xchacha20poly1305_ietf_ABYTES + 1)
    return make_error(ErrorCode::internal, "stored text is truncated");
  std::string body(sealed.bytes.size() - kN, '\0');
  unsigned long long mlen = 0;
  const auto* nonce = reinterpret_cast<const unsigned char*>(sealed.bytes.data());
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(reinterpret_cast<unsigned char*>(body.data()), &mlen, nullptr,
                                                 nonce + kN, sealed.bytes.size() - kN,
                                                 reinterpret_cast<const unsigned char*>(context.data()), context.size(),
                                                 nonce, reinterpret_cast<const unsigned char*>(it->second.data())) != 0)
    return make_error(ErrorCode::internal, "stored text failed authentication");
  body.resize(mlen);
  if (body.empty()) return make_error(ErrorCode::internal, "stored text is empty");
  if (body[0] == kLz4) return lz4_decompress(std::string_view(body).substr(1));
  if (body[0] == kZstd) return zstd_decompress(std::string_view(body).substr(1));
  if (body[0] != kPlain) return make_error(ErrorCode::internal, "stored text has an unknown format");
  return body.substr(1);
}

}  // namespace stacklens
