#pragma once
// Embedding storage: every vector starts on a 64-byte boundary (a cache line,
// and an AVX-512 register), rows are padded with zeros to a multiple of 16
// floats so vector code may read whole registers without a scalar tail. On
// arm64 both are 256 bytes (64 floats): an SVE register is as long as the CPU
// makes it, from 128 to 2048 bits.
#include <cstddef>
#include <memory>
#include <span>

namespace engram {

#if defined(__aarch64__)
inline constexpr std::size_t kEmbeddingAlignment = 256;
#else
inline constexpr std::size_t kEmbeddingAlignment = 64;
#endif
inline constexpr std::size_t kEmbeddingPadFloats = kEmbeddingAlignment / sizeof(float);

namespace detail {
struct AlignedFree {
  void operator()(float* p) const noexcept;
};
using AlignedFloats = std::unique_ptr<float[], AlignedFree>;
AlignedFloats allocate_aligned_floats(std::size_t count);  // zero-filled
}  // namespace detail

// One vector of any dimension >= 1.
class Embedding {
 public:
  explicit Embedding(std::size_t dim);                 // zeros; throws for dim == 0
  explicit Embedding(std::span<const float> values);   // copy; throws for empty
  Embedding(const Embedding& other);
  Embedding& operator=(const Embedding& other);
  Embedding(Embedding&&) noexcept = default;
  Embedding& operator=(Embedding&&) noexcept = default;

  std::size_t dim() const noexcept { return dim_; }
  float* data() noexcept { return data_.get(); }
  const float* data() const noexcept { return data_.get(); }
  std::span<float> values() noexcept { return {data_.get(), dim_}; }
  std::span<const float> values() const noexcept { return {data_.get(), dim_}; }

 private:
  std::size_t dim_;
  detail::AlignedFloats data_;
};

// Rows of one dimension in one aligned block, with each row's squared norm
// (sum of squares, accumulated in double) stored beside it when the row is
// written: the optimized similarity reads it instead of recomputing.
class EmbeddingMatrix {
 public:
  explicit EmbeddingMatrix(std::size_t dim);  // throws for dim == 0
  EmbeddingMatrix(const EmbeddingMatrix& other);
  EmbeddingMatrix& operator=(const EmbeddingMatrix& other);
  EmbeddingMatrix(EmbeddingMatrix&&) noexcept = default;
  EmbeddingMatrix& operator=(EmbeddingMatrix&&) noexcept = default;

  std::size_t rows() const noexcept { return rows_; }
  std::size_t dim() const noexcept { return dim_; }
  std::size_t stride() const noexcept { return stride_; }  // floats between rows, multiple of 16
  const float* data() const noexcept { return data_.get(); }
  const float* row(std::size_t i) const noexcept { return data_.get() + i * stride_; }
  std::span<const float> row_span(std::size_t i) const noexcept { return {row(i), dim_}; }
  std::span<const float> squared_norms() const noexcept { return {norms_.get(), rows_}; }

  void reserve(std::size_t rows);
  std::size_t push_back(std::span<const float> values);  // returns the row index; throws on dim mismatch
  void set_row(std::size_t i, std::span<const float> values);  // throws on bad index or dim

 private:
  std::size_t dim_;
  std::size_t stride_;
  std::size_t rows_ = 0;
  std::size_t capacity_ = 0;
  detail::AlignedFloats data_;
  detail::AlignedFloats norms_;
};

}  // namespace engram
