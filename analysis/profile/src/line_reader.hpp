#pragma once
// Reads an input stream line by line in large chunks (internal header).
// Lines come back without "\n" or a trailing "\r"; a view stays valid until
// the next call.
#include <cstring>
#include <istream>
#include <string>
#include <string_view>

namespace engram::profile::detail {

class LineReader {
 public:
  explicit LineReader(std::istream& in, std::size_t chunk_bytes = std::size_t{1} << 20)
      : in_(in), chunk_(chunk_bytes) {}

  bool next(std::string_view& line) {
    for (;;) {
      const char* begin = buffer_.data() + pos_;
      const std::size_t available = end_ - pos_;
      if (const void* nl = std::memchr(begin, '\n', available); nl != nullptr) {
        const std::size_t length = static_cast<const char*>(nl) - begin;
        line = trim_cr(std::string_view(begin, length));
        pos_ += length + 1;
        return true;
      }
      if (eof_) {
        if (available == 0) return false;
        line = trim_cr(std::string_view(begin, available));
        pos_ = end_;
        return true;
      }
      refill();
    }
  }

 private:
  static std::string_view trim_cr(std::string_view s) {
    if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
    return s;
  }

  void refill() {
    // Keep the unfinished line, then append one more chunk after it.
    const std::size_t kept = end_ - pos_;
    if (pos_ > 0 && kept > 0) std::memmove(buffer_.data(), buffer_.data() + pos_, kept);
    pos_ = 0;
    end_ = kept;
    if (buffer_.size() < kept + chunk_) buffer_.resize(kept + chunk_);
    in_.read(buffer_.data() + end_, static_cast<std::streamsize>(chunk_));
    const auto got = static_cast<std::size_t>(in_.gcount());
    end_ += got;
    if (got == 0 || !in_) eof_ = true;
  }

  std::istream& in_;
  std::size_t chunk_;
  std::string buffer_;
  std::size_t pos_ = 0;
  std::size_t end_ = 0;
  bool eof_ = false;
};

}  // namespace engram::profile::detail
