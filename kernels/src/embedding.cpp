#include "engram/embedding.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>

namespace engram {
namespace detail {

void AlignedFree::operator()(float* p) const noexcept { std::free(p); }

AlignedFloats allocate_aligned_floats(std::size_t count) {
  if (count == 0) return AlignedFloats{};
  if (count > (SIZE_MAX - kEmbeddingAlignment) / sizeof(float)) throw std::bad_alloc();
  // aligned_alloc wants a size that is a multiple of the alignment.
  const std::size_t bytes =
      (count * sizeof(float) + kEmbeddingAlignment - 1) / kEmbeddingAlignment * kEmbeddingAlignment;
  void* p = std::aligned_alloc(kEmbeddingAlignment, bytes);
  if (p == nullptr) throw std::bad_alloc();
  std::memset(p, 0, bytes);
  return AlignedFloats(static_cast<float*>(p));
}

}  // namespace detail

namespace {

std::size_t padded(std::size_t dim) {
  return (dim + kEmbeddingPadFloats - 1) / kEmbeddingPadFloats * kEmbeddingPadFloats;
}

// The squared norm that the optimized similarity reads instead of
// recomputing; accumulated in double so it is the reference's value rounded once.
float squared_norm(std::span<const float> values) {
  double sum = 0.0;
  for (float v : values) sum += static_cast<double>(v) * static_cast<double>(v);
  return static_cast<float>(sum);
}

}  // namespace

Embedding::Embedding(std::size_t dim) : dim_(dim) {
  if (dim == 0) throw std::invalid_argument("Embedding: dimension must be at least 1");
  data_ = detail::allocate_aligned_floats(padded(dim));
}

Embedding::Embedding(std::span<const float> values) : dim_(values.size()) {
  if (values.empty()) throw std::invalid_argument("Embedding: cannot build from an empty vector");
  data_ = detail::allocate_aligned_floats(padded(dim_));
  std::copy(values.begin(), values.end(), data_.get());
}

Embedding::Embedding(const Embedding& other) : dim_(other.dim_) {
  data_ = detail::allocate_aligned_floats(padded(dim_));
  if (other.data_) std::copy_n(other.data_.get(), padded(dim_), data_.get());
}

Embedding& Embedding::operator=(const Embedding& other) {
  if (this != &other) {
    Embedding copy(other);
    *this = std::move(copy);
  }
  return *this;
}

EmbeddingMatrix::EmbeddingMatrix(std::size_t dim) : dim_(dim), stride_(padded(dim)) {
  if (dim == 0) throw std::invalid_argument("EmbeddingMatrix: dimension must be at least 1");
}

EmbeddingMatrix::EmbeddingMatrix(const EmbeddingMatrix& other)
    : dim_(other.dim_), stride_(other.stride_), rows_(other.rows_), capacity_(other.rows_) {
  if (rows_ > 0) {
    data_ = detail::allocate_aligned_floats(rows_ * stride_);
    norms_ = detail::allocate_aligned_floats(rows_);
    std::copy_n(other.data_.get(), rows_ * stride_, data_.get());
    std::copy_n(other.norms_.get(), rows_, norms_.get());
  }
}

EmbeddingMatrix& EmbeddingMatrix::operator=(const EmbeddingMatrix& other) {
  if (this != &other) {
    EmbeddingMatrix copy(other);
    *this = std::move(copy);
  }
  return *this;
}

void EmbeddingMatrix::reserve(std::size_t rows) {
  if (rows <= capacity_) return;
  if (rows > SIZE_MAX / 2 / stride_ / sizeof(float)) throw std::length_error("EmbeddingMatrix: too many rows");
  auto data = detail::allocate_aligned_floats(rows * stride_);
  auto norms = detail::allocate_aligned_floats(rows);
  if (rows_ > 0) {
    std::copy_n(data_.get(), rows_ * stride_, data.get());
    std::copy_n(norms_.get(), rows_, norms.get());
  }
  data_ = std::move(data);
  norms_ = std::move(norms);
  capacity_ = rows;
}

std::size_t EmbeddingMatrix::push_back(std::span<const float> values) {
  if (values.size() != dim_) {
    throw std::invalid_argument("EmbeddingMatrix::push_back: vector has dimension " +
                                std::to_string(values.size()) + ", the matrix has " +
                                std::to_string(dim_));
  }
  if (rows_ == capacity_) reserve(std::max<std::size_t>(16, capacity_ * 2));
  const std::size_t index = rows_;
  float* row = data_.get() + index * stride_;
  std::copy(values.begin(), values.end(), row);
  std::fill(row + dim_, row + stride_, 0.0f);
  norms_[index] = squared_norm(values);
  ++rows_;
  return index;
}

void EmbeddingMatrix::set_row(std::size_t i, std::span<const float> values) {
  if (i >= rows_) {
    throw std::out_of_range("EmbeddingMatrix::set_row: row " + std::to_string(i) +
                            " does not exist (rows: " + std::to_string(rows_) + ")");
  }
  if (values.size() != dim_) {
    throw std::invalid_argument("EmbeddingMatrix::set_row: vector has dimension " +
                                std::to_string(values.size()) + ", the matrix has " +
                                std::to_string(dim_));
  }
  float* row = data_.get() + i * stride_;
  std::copy(values.begin(), values.end(), row);
  norms_[i] = squared_norm(values);
}

}  // namespace engram
