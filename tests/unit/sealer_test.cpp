#include <gtest/gtest.h>

#include <filesystem>
#include <sys/stat.h>

#include <sodium.h>
#include <zstd.h>

#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "crypto/sealer.h"
#include "temp_dir.h"

using namespace stacklens;

TEST(Sealer, RoundTripsShortAndCompressibleText) {
  auto sealer = Sealer::open_or_create(fresh_dir("seal") / "keys");
  ASSERT_TRUE(sealer);
  const std::string small = "hello";
  std::string big;
  for (int i = 0; i < 500; ++i) big += "the same words again ";
  for (const auto& plain : {small, big}) {
    SealedText sealed = sealer->seal(plain, "ctx");
    EXPECT_EQ(sealed.bytes.find(plain.substr(0, 5)), std::string::npos);
    auto opened = sealer->open(sealed, "ctx");
    ASSERT_TRUE(opened);
    EXPECT_EQ(*opened, plain);
  }
  EXPECT_LT(sealer->seal(big, "ctx").bytes.size(), big.size() / 4) << "compressible text is compressed";
}

TEST(Sealer, RefusesTamperingAndTheWrongPlace) {
  auto sealer = Sealer::open_or_create(fresh_dir("tamper") / "keys");
  SealedText sealed = sealer->seal("secret prompt", "1|t|s|prompt");
  EXPECT_FALSE(sealer->open(sealed, "1|t|s|completion")) << "bound to its field";
  sealed.bytes[30] ^= 1;
  EXPECT_FALSE(sealer->open(sealed, "1|t|s|prompt"));
}

TEST(Sealer, KeyFileIsPrivateAndRotationKeepsOldTextReadable) {
  const auto file = fresh_dir("rotate") / "keys";
  auto first = Sealer::open_or_create(file);
  ASSERT_TRUE(first);
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  SealedText old = first->seal("old text", "c");
  auto id = Sealer::rotate(file);
  ASSERT_TRUE(id);
  EXPECT_EQ(*id, 2);
  auto second = Sealer::open_or_create(file);
  EXPECT_EQ(second->active_key_id(), 2);
  EXPECT_EQ(*second->open(old, "c"), "old text");
  EXPECT_EQ(second->seal("new", "c").key_id, 2);
}

TEST(Sealer, RefusesAKeyFileOthersCanRead) {
  const auto file = fresh_dir("perm") / "keys";
  ASSERT_TRUE(Sealer::open_or_create(file));
  ::chmod(file.c_str(), 0644);
  auto again = Sealer::open_or_create(file);
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("chmod 600"), std::string::npos);
}

// Text sealed by earlier versions (zstd-compressed bodies, format byte 2) stays readable.
TEST(Sealer, OpensTextSealedWithZstd) {
  const auto dir = fresh_dir("zstd");
  const std::string key(crypto_aead_xchacha20poly1305_ietf_KEYBYTES, '\x11');
  {
    std::ofstream keys(dir / "keys");
    keys << "1 " << std::string(2 * key.size(), '1') << "\n";
  }
  ::chmod((dir / "keys").c_str(), 0600);
  auto sealer = Sealer::open_or_create(dir / "keys");
  ASSERT_TRUE(sealer);
  std::string plain;
  for (int i = 0; i < 100; ++i) plain += "an older prompt, compressed with zstd ";
  std::string body(1 + ZSTD_compressBound(plain.size()), '\2');
  body.resize(1 + ZSTD_compress(body.data() + 1, body.size() - 1, plain.data(), plain.size(), 1));
  const std::string context = "1|trace|span|prompt";
  constexpr size_t kN = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  std::string sealed(kN + body.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
  unsigned long long clen = 0;
  auto* nonce = reinterpret_cast<unsigned char*>(sealed.data());
  crypto_aead_xchacha20poly1305_ietf_encrypt(nonce + kN, &clen, reinterpret_cast<const unsigned char*>(body.data()),
                                             body.size(), reinterpret_cast<const unsigned char*>(context.data()),
                                             context.size(), nullptr, nonce,
                                             reinterpret_cast<const unsigned char*>(key.data()));
  sealed.resize(kN + clen);
  auto opened = sealer->open(SealedText{sealed, 1}, context);
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_EQ(*opened, plain);
}

// Every seal takes a nonce of its own, on one thread and across threads, and a short text
// sealed after a long one is not read with the long one's leftover bytes.
TEST(Sealer, NoncesAreNeverReused) {
  auto sealer = Sealer::open_or_create(fresh_dir("nonce") / "keys");
  ASSERT_TRUE(sealer);
  std::set<std::string> nonces;
  std::mutex mu;
  const auto seal_some = [&] {
    for (int i = 0; i < 1000; ++i) {
      const SealedText sealed = sealer->seal(std::string(i % 3 == 0 ? 5000 : 300, 'a' + i % 26), "ctx");
      std::lock_guard lock(mu);
      nonces.insert(sealed.bytes.substr(0, 24));
    }
  };
  std::thread other(seal_some);
  seal_some();
  other.join();
  EXPECT_EQ(nonces.size(), 2000u);
  const std::string long_text(8000, 'x');
  ASSERT_TRUE(sealer->open(sealer->seal(long_text, "ctx"), "ctx"));
  auto opened = sealer->open(sealer->seal("short text, not compressed", "ctx"), "ctx");
  ASSERT_TRUE(opened);
  EXPECT_EQ(*opened, "short text, not compressed");
}
