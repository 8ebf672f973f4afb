// Sampler names (palette/sampler.h): one vocabulary for the CLI, layouts and the app.
#include <gtest/gtest.h>

#include "palette/error.h"
#include "palette/sampler.h"

namespace palette {
namespace {

TEST(SamplerNames, EveryNameParsesBackToItsSampler) {
  for (Sampler s : kSamplers) EXPECT_EQ(parse_sampler(sampler_name(s), "--sampler"), s) << sampler_name(s);
  EXPECT_EQ(sampler_names(), "lcm, lcm_stream, ddim, euler, euler_a");
}

TEST(SamplerNames, OldLayoutNameSmdIsTheStreamSchedule) {
  EXPECT_EQ(parse_sampler("smd", "settings.sampler"), Sampler::lcm_stream);
  EXPECT_EQ(sampler_name(Sampler::lcm_stream), "lcm_stream");  // what is written back
}

TEST(SamplerNames, UnknownNameListsTheKnownOnes) {
  try {
    parse_sampler("dpm++", "--sampler");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "--sampler: unknown sampler 'dpm++' (known: lcm, lcm_stream, ddim, euler, euler_a)");
  }
  // Names are exact: case and spacing are not guessed at.
  EXPECT_THROW(parse_sampler("LCM", "x"), Error);
  EXPECT_THROW(parse_sampler("", "x"), Error);
}

TEST(SamplerNames, LongJunkIsCutInTheMessage) {
  try {
    parse_sampler(std::string(100000, 'x'), "settings.sampler");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_LT(std::string(e.what()).size(), 200u);
  }
}

TEST(SamplerNames, RegionSamplersAreTheLcmOnes) {
  EXPECT_TRUE(is_region_sampler(Sampler::lcm));
  EXPECT_TRUE(is_region_sampler(Sampler::lcm_stream));
  EXPECT_FALSE(is_region_sampler(Sampler::ddim));
  EXPECT_FALSE(is_region_sampler(Sampler::euler_a));
}

}  // namespace
}  // namespace palette
