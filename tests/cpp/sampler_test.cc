#include "runtime/sampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace qkv {
namespace {

TEST(Pcg32, MatchesTheReferenceImplementation) {
  // pcg32-global demo output for pcg32_srandom_r(&rng, 42u, 54u).
  Pcg32 rng;
  rng.reseed(42, 54);
  const uint32_t expected[] = {0xa15c02b7, 0x7b47f409, 0xba1d3330, 0x83d2f293, 0xbfa4784b, 0xcbed606e};
  for (uint32_t e : expected) EXPECT_EQ(rng.next(), e);
}

TEST(Sampler, GreedyIsTheArgmaxAfterThePenalty) {
  Sampler sampler(5);
  Pcg32 rng(1);
  std::vector<float> logits = {1.0f, 3.0f, 2.9f, -1.0f, 0.0f};
  SamplingOptions greedy;
  EXPECT_EQ(sampler.sample(std::vector<float>(logits).data(), greedy, nullptr, 0, rng), 1);
  // Penalty 1.1 on token 1 (seen twice, penalized once): 3.0 / 1.1 = 2.727 < 2.9.
  greedy.repetition_penalty = 1.1f;
  const int32_t seen[] = {1, 1, 3};
  std::vector<float> penalized = logits;
  EXPECT_EQ(sampler.sample(penalized.data(), greedy, seen, 3, rng), 2);
  EXPECT_FLOAT_EQ(penalized[1], 3.0f / 1.1f);
  EXPECT_FLOAT_EQ(penalized[3], -1.0f * 1.1f);  // negative logits are multiplied
  EXPECT_FLOAT_EQ(penalized[0], 1.0f);
}

// Draws many tokens and compares frequencies with probabilities computed
// here from the definition of each option.
void expect_distribution(const std::vector<float>& logits, const SamplingOptions& o,
                         const std::vector<double>& expected) {
  Sampler sampler(logits.size());
  Pcg32 rng(7);
  const int draws = 200000;
  std::vector<int> counts(logits.size(), 0);
  for (int i = 0; i < draws; ++i) {
    std::vector<float> l = logits;
    counts[sampler.sample(l.data(), o, nullptr, 0, rng)]++;
  }
  for (size_t t = 0; t < logits.size(); ++t) {
    const double freq = double(counts[t]) / draws;
    const double sd = std::sqrt(expected[t] * (1 - expected[t]) / draws);
    EXPECT_NEAR(freq, expected[t], 5 * sd + 1e-9) << "token " << t;
  }
}

std::vector<double> softmax(const std::vector<float>& l, double t, const std::vector<bool>& keep) {
  std::vector<double> p(l.size(), 0.0);
  double sum = 0;
  for (size_t i = 0; i < l.size(); ++i) sum += keep[i] ? (p[i] = std::exp(l[i] / t)) : 0.0;
  for (double& v : p) v /= sum;
  return p;
}

const std::vector<float> kLogits = {2.0f, 1.0f, 0.5f, 0.0f, -1.0f, 1.5f};

TEST(Sampler, TemperatureSamplingFollowsTheSoftmax) {
  SamplingOptions o;
  o.do_sample = true;
  o.temperature = 0.7f;
  expect_distribution(kLogits, o, softmax(kLogits, 0.7, std::vector<bool>(6, true)));
}

TEST(Sampler, TopKKeepsTheKBest) {
  SamplingOptions o;
  o.do_sample = true;
  o.top_k = 3;  // tokens 0 (2.0), 5 (1.5), 1 (1.0)
  expect_distribution(kLogits, o, softmax(kLogits, 1.0, {true, true, false, false, false, true}));
}

TEST(Sampler, TopPKeepsTheSmallestNucleus) {
  SamplingOptions o;
  o.do_sample = true;
  o.top_p = 0.6f;
  // Probabilities: 0: .385, 5: .233, 1: .142, ... -> 0 alone is .385 < .6, with 5 it is .618 >= .6.
  expect_distribution(kLogits, o, softmax(kLogits, 1.0, {true, false, false, false, false, true}));
}

// A nucleus wider than the first ranked prefixes (64, then 512 tokens) of a
// large vocabulary: nothing outside it is drawn, and its far end is.
TEST(Sampler, TopPOverALargeVocabularyFindsTheWholeNucleus) {
  const size_t n = 1500;
  std::vector<float> logits(n);
  for (size_t i = 0; i < n; ++i)
    logits[(i * 7) % n] = -0.0005f * static_cast<float>(i);  // rank i at id 7i mod n
  SamplingOptions o;
  o.do_sample = true;
  o.top_p = 0.5f;
  // The nucleus by definition: the fewest best tokens holding half the mass.
  double total = 0;
  for (size_t i = 0; i < n; ++i) total += std::exp(-0.0005 * double(i));
  size_t cutoff = 0;
  for (double acc = 0; acc < 0.5 * total; ++cutoff) acc += std::exp(-0.0005 * double(cutoff));
  ASSERT_GT(cutoff, 512u);
  Sampler sampler(n);
  Pcg32 rng(3);
  size_t worst_rank = 0;
  for (int draw = 0; draw < 3000; ++draw) {
    std::vector<float> l = logits;
    const int32_t id = sampler.sample(l.data(), o, nullptr, 0, rng);
    size_t rank = 0;
    while ((rank * 7) % n != static_cast<size_t>(id)) ++rank;
    worst_rank = std::max(worst_rank, rank);
  }
  EXPECT_LT(worst_rank, cutoff);
  EXPECT_GE(worst_rank, cutoff - 20);
}

TEST(Sampler, SameSeedSameTokens) {
  SamplingOptions o;
  o.do_sample = true;
  Sampler sampler(kLogits.size());
  Pcg32 a(123), b(123), c(124);
  int differ = 0;
  for (int i = 0; i < 100; ++i) {
    std::vector<float> l1 = kLogits, l2 = kLogits, l3 = kLogits;
    const int32_t ta = sampler.sample(l1.data(), o, nullptr, 0, a);
    EXPECT_EQ(ta, sampler.sample(l2.data(), o, nullptr, 0, b));
    differ += ta != sampler.sample(l3.data(), o, nullptr, 0, c);
  }
  EXPECT_GT(differ, 10);
}

TEST(Sampler, RejectsBadOptionsByName) {
  SamplingOptions o;
  o.temperature = 0.0f;
  EXPECT_NE(validate_sampling_options(o).message().find("temperature"), std::string::npos);
  o.temperature = NAN;
  EXPECT_EQ(validate_sampling_options(o).code(), StatusCode::kInvalidArgument);
  o = SamplingOptions();
  o.top_p = 1.5f;
  EXPECT_NE(validate_sampling_options(o).message().find("top_p"), std::string::npos);
  o = SamplingOptions();
  o.repetition_penalty = -1.0f;
  EXPECT_NE(validate_sampling_options(o).message().find("repetition_penalty"), std::string::npos);
  EXPECT_TRUE(validate_sampling_options(SamplingOptions()).ok());
}

}  // namespace
}  // namespace qkv
