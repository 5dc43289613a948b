#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engram/profile/frame_names.hpp"

namespace {

using engram::profile::has_top_level_separator;
using engram::profile::qualified_name_components;
using engram::profile::split_frames;
using engram::profile::strip_parameters;
using ::testing::ElementsAre;

std::vector<std::string> split(std::string_view stack) {
  const auto views = split_frames(stack);
  return {views.begin(), views.end()};
}

TEST(SplitFrames, PlainFrames) {
  EXPECT_THAT(split("main;run;leaf"), ElementsAre("main", "run", "leaf"));
  EXPECT_THAT(split("single"), ElementsAre("single"));
}

TEST(SplitFrames, NamesWithSpacesStayWhole) {
  EXPECT_THAT(split("perf bench;operator new(unsigned long);do work"),
              ElementsAre("perf bench", "operator new(unsigned long)", "do work"));
}

TEST(SplitFrames, SemicolonInsideBracketsDoesNotSplit) {
  EXPECT_THAT(split("a;f<x;y>(int);g(p;q);h[i;j];k{l;m}"),
              ElementsAre("a", "f<x;y>(int)", "g(p;q)", "h[i;j]", "k{l;m}"));
}

TEST(SplitFrames, TemplatesWithNestedArguments) {
  EXPECT_THAT(split("std::vector<std::pair<int, float>, std::allocator<std::pair<int, float> > >::"
                    "push_back;leaf"),
              ElementsAre("std::vector<std::pair<int, float>, std::allocator<std::pair<int, float> > "
                          ">::push_back",
                          "leaf"));
}

TEST(SplitFrames, LambdasAndOperatorCall) {
  EXPECT_THAT(split("main;main::{lambda(int)#1}::operator()(int) const;std::function<void (int)>::"
                    "operator()(int) const;leaf"),
              ElementsAre("main", "main::{lambda(int)#1}::operator()(int) const",
                          "std::function<void (int)>::operator()(int) const", "leaf"));
}

TEST(SplitFrames, ComparisonAndShiftOperatorsDoNotUnbalanceDepth) {
  // Counted as brackets, the '<' of operator< would swallow every later ';'.
  EXPECT_THAT(split("a;bool operator<(Key const&, Key const&);b"),
              ElementsAre("a", "bool operator<(Key const&, Key const&)", "b"));
  EXPECT_THAT(split("a;std::ostream::operator<<(int);b;Foo::operator>(Foo const&);c"),
              ElementsAre("a", "std::ostream::operator<<(int)", "b", "Foo::operator>(Foo const&)", "c"));
  EXPECT_THAT(split("a;bool std::operator< <int>(std::pair<int, int> const&);b"),
              ElementsAre("a", "bool std::operator< <int>(std::pair<int, int> const&)", "b"));
  EXPECT_THAT(split("a;Ptr::operator->() const;b;x::operator>>=(int);c;y::operator<=>(y const&);d"),
              ElementsAre("a", "Ptr::operator->() const", "b", "x::operator>>=(int)", "c",
                          "y::operator<=>(y const&)", "d"));
  EXPECT_THAT(split("a;Table::operator[](unsigned long);b"),
              ElementsAre("a", "Table::operator[](unsigned long)", "b"));
}

TEST(SplitFrames, AnonymousNamespaces) {
  EXPECT_THAT(split("main;(anonymous namespace)::worker(int);(anonymous namespace)::Pool<int>::run"),
              ElementsAre("main", "(anonymous namespace)::worker(int)",
                          "(anonymous namespace)::Pool<int>::run"));
}

TEST(SplitFrames, MemberArrowInDecltypeIsNotABracket) {
  EXPECT_THAT(split("a;decltype (({parm#1}->get)()) call<Foo>(Foo*);b"),
              ElementsAre("a", "decltype (({parm#1}->get)()) call<Foo>(Foo*)", "b"));
}

TEST(SplitFrames, UnbalancedNameFallsBackToEverySeparator) {
  // A truncated template must not swallow the rest of the stack.
  EXPECT_THAT(split("a;std::vector<int;b;c"), ElementsAre("a", "std::vector<int", "b", "c"));
}

TEST(SplitFrames, WordsContainingOperatorAreNotOperators) {
  EXPECT_THAT(split("cooperator<int>;b"), ElementsAre("cooperator<int>", "b"));
  EXPECT_THAT(split("operator_table<x;y>;b"), ElementsAre("operator_table<x;y>", "b"));
}

TEST(SplitFrames, KernelAnnotationsAndUnknown) {
  EXPECT_THAT(split("[unknown];do_syscall_64_[k];[libc.so.6]"),
              ElementsAre("[unknown]", "do_syscall_64_[k]", "[libc.so.6]"));
}

TEST(TopLevelSeparator, OnlyOutsideBrackets) {
  EXPECT_TRUE(has_top_level_separator("Ljava/io/PrintStream;::print"));
  EXPECT_FALSE(has_top_level_separator("f<a;b>"));
  EXPECT_FALSE(has_top_level_separator("plain"));
}

TEST(StripParameters, RemovesParameterListAndQualifiers) {
  EXPECT_EQ(strip_parameters("engram::optimized::cosine_batch(std::span<float const, "
                             "18446744073709551615ul>, engram::EmbeddingMatrix const&)"),
            "engram::optimized::cosine_batch");
  EXPECT_EQ(strip_parameters("Foo::bar(int) const"), "Foo::bar");
  EXPECT_EQ(strip_parameters("Foo::bar(int) const &&"), "Foo::bar");
  EXPECT_EQ(strip_parameters("foo(int) [clone .isra.0]"), "foo");
  EXPECT_EQ(strip_parameters("foo() [clone .cold]"), "foo");
}

TEST(StripParameters, KeepsOperatorCallLambdasAndAnonymousNamespaces) {
  EXPECT_EQ(strip_parameters("main::{lambda(int)#1}::operator()(int) const"),
            "main::{lambda(int)#1}::operator()");
  EXPECT_EQ(strip_parameters("(anonymous namespace)::helper(int)"), "(anonymous namespace)::helper");
  EXPECT_EQ(strip_parameters("(anonymous namespace)::Cache::get"), "(anonymous namespace)::Cache::get");
  EXPECT_EQ(strip_parameters("std::_Function_handler<void (int), main::{lambda(int)#1}>::_M_invoke("
                             "std::_Any_data const&, int&&)"),
            "std::_Function_handler<void (int), main::{lambda(int)#1}>::_M_invoke");
  EXPECT_EQ(strip_parameters("Key::operator<(Key const&) const"), "Key::operator<");
  EXPECT_EQ(strip_parameters("std::ostream::operator<<(int)"), "std::ostream::operator<<");
  EXPECT_EQ(strip_parameters("operator new(unsigned long)"), "operator new");
}

TEST(StripParameters, RemovesReturnTypeOfFunctionTemplates) {
  EXPECT_EQ(strip_parameters("float engram::dot<float>(float const*, float const*)"),
            "engram::dot<float>");
  EXPECT_EQ(strip_parameters("unsigned long count_if<std::vector<int, std::allocator<int> > >(int)"),
            "count_if<std::vector<int, std::allocator<int> > >");
  EXPECT_EQ(strip_parameters("bool std::operator< <int, int>(std::pair<int, int> const&)"),
            "std::operator< <int, int>");
  // Not templates: the spaces are part of the name.
  EXPECT_EQ(strip_parameters("non-virtual thunk to Foo::bar()"), "non-virtual thunk to Foo::bar");
}

TEST(StripParameters, LeavesOtherNamesAlone) {
  EXPECT_EQ(strip_parameters("main"), "main");
  EXPECT_EQ(strip_parameters("[unknown]"), "[unknown]");
  EXPECT_EQ(strip_parameters("do_syscall_64"), "do_syscall_64");
  EXPECT_EQ(strip_parameters("main.(*Server).Serve"), "main.(*Server).Serve");  // Go method
  EXPECT_EQ(strip_parameters("outer(int)::Local::method"), "outer(int)::Local::method");
}

TEST(QualifiedNameComponents, DropsTemplatesParametersAndAnnotations) {
  EXPECT_THAT(qualified_name_components(
                  "engram::optimized::cosine_batch(std::span<float const, 18446744073709551615ul>)"),
              ElementsAre("engram", "optimized", "cosine_batch"));
  EXPECT_THAT(qualified_name_components("hwy::N_AVX2::Dot<float>::Compute<8ul>(float const*)"),
              ElementsAre("hwy", "N_AVX2", "Dot", "Compute"));
  EXPECT_THAT(qualified_name_components("do_syscall_64_[k]"), ElementsAre("do_syscall_64"));
  EXPECT_THAT(qualified_name_components("(anonymous namespace)::worker(int)"),
              ElementsAre("(anonymous namespace)", "worker"));
  EXPECT_THAT(qualified_name_components("std::map<int, int, std::less<int> >::operator[](int const&)"),
              ElementsAre("std", "map", "operator[]"));
  EXPECT_THAT(qualified_name_components("Key::operator<(Key const&) const"),
              ElementsAre("Key", "operator<"));
}

}  // namespace
