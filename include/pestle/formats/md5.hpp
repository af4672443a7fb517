#pragma once
// MD5 message digest (RFC 1321), used only to check that a GAP sparseX file is the one its
// XML was written with (QUIP records `sparseX_md5sum`). Not for anything security related.
//
//   pestle::io::Md5 h; h.update(bytes); std::string hex = h.hex_digest();
//   std::string hex = pestle::io::md5_file("Mo_gap.xml.sparseX...");   // InputError if unreadable
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>
#include <string_view>

#include "pestle/core/error.hpp"

namespace pestle::io {

class Md5 {
 public:
  void update(const void* data, std::size_t size) {
    const auto* p = static_cast<const unsigned char*>(data);
    total_bytes_ += size;
    while (size > 0) {
      const std::size_t take = std::min<std::size_t>(size, 64 - buffered_);
      for (std::size_t k = 0; k < take; ++k) buffer_[buffered_ + k] = p[k];
      buffered_ += take;
      p += take;
      size -= take;
      if (buffered_ == 64) {
        process_block(buffer_.data());
        buffered_ = 0;
      }
    }
  }
  void update(std::string_view s) { update(s.data(), s.size()); }

  /// The 32 lower-case hexadecimal digits of the digest. Finishes the computation: call once.
  std::string hex_digest() {
    finish();
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (std::uint32_t word : state_)
      for (int byte = 0; byte < 4; ++byte) {
        const unsigned v = (word >> (8 * byte)) & 0xffu;  // little-endian output
        out += digits[v >> 4];
        out += digits[v & 0xfu];
      }
    return out;
  }

 private:
  static constexpr std::uint32_t rotl(std::uint32_t x, unsigned c) { return (x << c) | (x >> (32 - c)); }

  // Per-round shift amounts and the sine-derived constants K[i] = floor(2^32 |sin(i+1)|).
  static constexpr std::array<unsigned, 64> shifts{7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                                                   5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
                                                   4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                                                   6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};
  static constexpr std::array<std::uint32_t, 64> sines{
      0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
      0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
      0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
      0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
      0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
      0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
      0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
      0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};

  void process_block(const unsigned char* block) {
    std::array<std::uint32_t, 16> m{};
    for (int k = 0; k < 16; ++k)
      m[k] = std::uint32_t(block[4 * k]) | std::uint32_t(block[4 * k + 1]) << 8 |
             std::uint32_t(block[4 * k + 2]) << 16 | std::uint32_t(block[4 * k + 3]) << 24;
    std::uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3];
    for (unsigned i = 0; i < 64; ++i) {
      std::uint32_t f;
      unsigned g;
      if (i < 16) {
        f = (b & c) | (~b & d);
        g = i;
      } else if (i < 32) {
        f = (d & b) | (~d & c);
        g = (5 * i + 1) % 16;
      } else if (i < 48) {
        f = b ^ c ^ d;
        g = (3 * i + 5) % 16;
      } else {
        f = c ^ (b | ~d);
        g = (7 * i) % 16;
      }
      const std::uint32_t rotated = rotl(a + f + sines[i] + m[g], shifts[i]);
      a = d;
      d = c;
      c = b;
      b = b + rotated;
    }
    state_[0] += a;
    state_[1] += b;
    state_[2] += c;
    state_[3] += d;
  }

  // Padding: a 1 bit, zeros up to 56 bytes mod 64, then the message length in bits (little-endian).
  void finish() {
    const std::uint64_t bits = total_bytes_ * 8;
    const unsigned char one = 0x80;
    update(&one, 1);
    const unsigned char zero = 0;
    while (buffered_ != 56) update(&zero, 1);
    std::array<unsigned char, 8> length{};
    for (int k = 0; k < 8; ++k) length[k] = static_cast<unsigned char>(bits >> (8 * k));
    update(length.data(), length.size());
  }

  std::array<std::uint32_t, 4> state_{0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
  std::array<unsigned char, 64> buffer_{};
  std::size_t buffered_ = 0;
  std::uint64_t total_bytes_ = 0;
};

inline std::string md5_hex(std::string_view s) {
  Md5 h;
  h.update(s);
  return h.hex_digest();
}

/// MD5 of a file's bytes; InputError when it cannot be read.
inline std::string md5_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open file");
  Md5 h;
  std::array<char, 1 << 16> chunk{};
  while (in) {
    in.read(chunk.data(), chunk.size());
    h.update(chunk.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) throw InputError(path + ": read error");
  return h.hex_digest();
}

}  // namespace pestle::io
