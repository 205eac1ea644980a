#include "crypto/audit_signer.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cerrno>
#include <fstream>

namespace stacklens {
namespace {

std::string hex(const std::string& raw) {
  std::string out(raw.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
  out.pop_back();
  return out;
}

bool unhex(const std::string& text, std::string& raw) {
  size_t len = 0;
  return sodium_hex2bin(reinterpret_cast<unsigned char*>(raw.data()), raw.size(), text.data(), text.size(), nullptr,
                        &len, nullptr) == 0 &&
         len == raw.size();
}

std::string message(int64_t entry_id, const std::string& hash) {
  return fmt::format("stacklens-audit-checkpoint:{}:{}", entry_id, hash);
}

// A new seed written to a temporary file, then linked into place: link() fails when another
// process got there first, and then its key is the one everyone loads.
Status create(const std::filesystem::path& file) {
  std::string seed(crypto_sign_SEEDBYTES, '\0');
  randombytes_buf(seed.data(), seed.size());
  const std::string line = hex(seed) + "\n";
  const std::filesystem::path tmp = file.string() + fmt::format(".{}.tmp", ::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return make_error(ErrorCode::internal, fmt::format("cannot write audit key file {}", file.string()));
  ::fchmod(fd, 0600);
  const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
  ::close(fd);
  const bool linked = ok && (::link(tmp.c_str(), file.c_str()) == 0 || errno == EEXIST);
  ::unlink(tmp.c_str());
  if (!linked) return make_error(ErrorCode::internal, fmt::format("cannot write audit key file {}", file.string()));
  return ok_status();
}

}  // namespace

Result<AuditSigner> AuditSigner::open(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return make_error(ErrorCode::not_found, fmt::format("cannot read audit key file {}", file.string()));
  std::string line;
  std::getline(in, line);
  std::string seed(crypto_sign_SEEDBYTES, '\0');
  if (!unhex(line, seed))
    return make_error(ErrorCode::internal, fmt::format("audit key file {} is malformed", file.string()));
  AuditSigner s;
  s.secret_.assign(crypto_sign_SECRETKEYBYTES, '\0');
  s.public_.assign(crypto_sign_PUBLICKEYBYTES, '\0');
  crypto_sign_seed_keypair(reinterpret_cast<unsigned char*>(s.public_.data()),
                           reinterpret_cast<unsigned char*>(s.secret_.data()),
                           reinterpret_cast<const unsigned char*>(seed.data()));
  sodium_memzero(seed.data(), seed.size());
  return s;
}

Result<AuditSigner> AuditSigner::open_or_create(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec))
    if (auto c = create(file); !c) return c.error();
  return open(file);
}

std::string AuditSigner::sign(int64_t entry_id, const std::string& hash) const {
  const std::string m = message(entry_id, hash);
  std::string sig(crypto_sign_BYTES, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data()), nullptr,
                       reinterpret_cast<const unsigned char*>(m.data()), m.size(),
                       reinterpret_cast<const unsigned char*>(secret_.data()));
  return hex(sig);
}

bool AuditSigner::verify(int64_t entry_id, const std::string& hash, const std::string& signature) const {
  std::string sig(crypto_sign_BYTES, '\0');
  if (!unhex(signature, sig)) return false;
  const std::string m = message(entry_id, hash);
  return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(sig.data()),
                                     reinterpret_cast<const unsigned char*>(m.data()), m.size(),
                                     reinterpret_cast<const unsigned char*>(public_.data())) == 0;
}

std::string AuditSigner::public_key() const { return hex(public_); }

}  // namespace stacklens
