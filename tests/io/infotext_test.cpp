// A1111 infotext: the text we write is what A1111 writes for the same settings, values with commas,
// colons, newlines or quotes survive A1111's parser, and A1111's own text reads as A1111 reads it.
#include "palette/infotext.h"

#include <gtest/gtest.h>

#include "palette/error.h"

namespace palette {
namespace {

std::string field(const Infotext& info, const char* key) {
  const std::string* value = info.find(key);
  return value != nullptr ? *value : "(none)";
}

TEST(Infotext, WritesA1111sLayout) {
  Infotext info;
  info.prompt = "a lighthouse at dusk, oil painting";
  info.negative_prompt = "blurry";
  add_generation_fields(info, {.steps = 25,
                               .sampler = Sampler::euler_a,
                               .guidance = 7.5,
                               .seed = 42,
                               .width = 512,
                               .height = 768,
                               .model = "/models/v1-5-pruned-emaonly.safetensors"});
  info.add("Regions", "4");
  info.add("Empty", "");  // left out
  EXPECT_EQ(
      format_infotext(info),
      "a lighthouse at dusk, oil painting\n"
      "Negative prompt: blurry\n"
      "Steps: 25, Sampler: Euler a, CFG scale: 7.5, Seed: 42, Size: 512x768, Model: v1-5-pruned-emaonly, "
      "Regions: 4");
}

TEST(Infotext, NoPromptsGiveTheSettingsLineAlone) {
  Infotext info;
  add_generation_fields(info, {.steps = 5,
                               .sampler = Sampler::lcm,
                               .guidance = 1,
                               .seed = 0,
                               .width = 64,
                               .height = 64,
                               .model = "models/tiny-sd15/"});
  EXPECT_EQ(format_infotext(info),
            "Steps: 5, Sampler: LCM, CFG scale: 1, Seed: 0, Size: 64x64, Model: tiny-sd15");
}

// Quoted as A1111 quotes (a JSON string) when the value holds ',', ':' or a newline, and when it
// starts with a quote or a space; the parser gives back exactly what was written.
TEST(Infotext, AwkwardValuesSurviveTheParser) {
  const std::vector<std::string> values = {"a, b",       "C:\\models\\sd15", "two\nlines",
                                           "\"quoted\"", " padded ",         "say \"hi\", then: go",
                                           "naïve ☃",    "back\\slash",      "ends with a backslash\\",
                                           "plain"};
  Infotext info;
  info.prompt = "first line\nsecond: line, with commas";
  info.negative_prompt = "ugly, \"bad\"";
  info.add("Steps", "5");
  info.add("Sampler", "LCM");
  for (size_t i = 0; i < values.size(); ++i) info.add("Key " + std::to_string(i), values[i]);
  const std::string text = format_infotext(info);
  EXPECT_NE(text.find("Key 0: \"a, b\", "), std::string::npos) << text;
  EXPECT_NE(text.find("Key 9: plain"), std::string::npos) << text;
  const Infotext back = parse_infotext(text);
  EXPECT_EQ(back.prompt, info.prompt);
  EXPECT_EQ(back.negative_prompt, info.negative_prompt);
  ASSERT_EQ(back.fields.size(), info.fields.size()) << text;
  for (size_t i = 0; i < info.fields.size(); ++i) {
    EXPECT_EQ(back.fields[i].first, info.fields[i].first);
    EXPECT_EQ(back.fields[i].second, info.fields[i].second) << text;
  }
}

// What A1111 itself writes, read as A1111 reads it.
TEST(Infotext, ReadsA1111sText) {
  const Infotext info = parse_infotext(
      "masterpiece, 1girl, <lora:detail:0.8>\n"
      "  BREAK scenery\n"
      "Negative prompt: lowres, bad hands\n"
      "extra negative line\n"
      "Steps: 20, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 123, Size: 512x768, Model hash: abc123, "
      "Model: anything-v3, Lora hashes: \"detail: 1234abcd\", Version: v1.6.0\n");
  EXPECT_EQ(info.prompt, "masterpiece, 1girl, <lora:detail:0.8>\nBREAK scenery");
  EXPECT_EQ(info.negative_prompt, "lowres, bad hands\nextra negative line");
  EXPECT_EQ(field(info, "Sampler"), "DPM++ 2M Karras");
  EXPECT_EQ(field(info, "Size"), "512x768");
  EXPECT_EQ(field(info, "Lora hashes"), "detail: 1234abcd");
  EXPECT_EQ(field(info, "Version"), "v1.6.0");
  EXPECT_EQ(info.fields.size(), 9u);
}

// A last line with fewer than three "Key: value" pairs is prompt, as in A1111.
TEST(Infotext, AShortLastLineIsPrompt) {
  const Infotext info = parse_infotext("a cat\nstyle: watercolour, mood: calm");
  EXPECT_EQ(info.prompt, "a cat\nstyle: watercolour, mood: calm");
  EXPECT_TRUE(info.fields.empty());
}

TEST(Infotext, KeysA1111CannotReadAreRefused) {
  for (const std::string key : {"", "x", "-dash", "semi;colon", "new\nline"}) {
    Infotext info;
    info.add(key, "1");
    EXPECT_THROW(format_infotext(info), Error) << key;
  }
}

TEST(Infotext, NamesAndNumbers) {
  EXPECT_EQ(infotext_sampler_name(Sampler::euler), "Euler");
  EXPECT_EQ(infotext_sampler_name(Sampler::ddim), "DDIM");
  EXPECT_EQ(infotext_sampler_name(Sampler::lcm_stream), "lcm_stream");
  EXPECT_EQ(infotext_model_name(""), "");
  EXPECT_EQ(infotext_model_name("sd-turbo"), "sd-turbo");
  EXPECT_EQ(infotext_model_name("/a/b/model.safetensors"), "model");
  EXPECT_EQ(infotext_number(7.5), "7.5");
  EXPECT_EQ(infotext_number(7), "7");
  EXPECT_EQ(infotext_number(0.95), "0.95");
}

}  // namespace
}  // namespace palette
