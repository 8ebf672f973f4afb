// What the built-in model trains on beyond the plain world: captions in an artist's words, views of the
// world at a larger scale, random unknown words in captions; and the held-out phrasings it is judged
// with, which no training caption can contain.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include "palette/error.h"
#include "palette/training.h"
#include "palette/world.h"
#include "support/error_of.h"
#include "support/temp_dir.h"
#include "training/unknown_words.h"
#include "training/world_captions.h"

namespace palette {
namespace {

using training::caption_lexicon;
using training::class_phrasings;

const std::filesystem::path kHeldOut =
    std::filesystem::path(PALETTE_SOURCE_DIR) / "bench" / "default-model" / "held-out-phrasings.json";


bool names_class(const std::string& caption, WorldClass c) {
  for (bool plural : {false, true})
    for (const auto& p : class_phrasings(c, plural))
      if (caption.find(p) != std::string::npos) return true;
  return false;
}

WorldOptions varied(int size, int view = 0) {
  WorldOptions o;
  o.width = o.height = size;
  o.captions = CaptionStyle::Varied;
  o.view = view;
  return o;
}

TEST(WorldCaptions, VariedCaptionsNameEveryClassInThePictureOrView) {
  int checked = 0;
  for (uint64_t i = 0; i < 240; ++i) {
    const WorldSample s = make_world_sample(5, i, i % 2 ? varied(64) : varied(96, 48));
    const auto counts = world_class_counts(s);
    for (int c = 0; c < kWorldClassCount; ++c) {
      if (counts[c] == 0) continue;
      EXPECT_TRUE(names_class(s.caption, static_cast<WorldClass>(c)))
          << "'" << s.caption << "' does not name " << world_class_name(static_cast<WorldClass>(c));
      ++checked;
    }
  }
  EXPECT_GT(checked, 400);
}

TEST(WorldCaptions, VariedCaptionsUseTheWholeVocabularyAndOnlyIt) {
  std::map<WorldClass, std::set<std::string>> seen;
  std::set<std::string> captions;
  int with_boilerplate = 0;
  for (uint64_t i = 0; i < 1500; ++i) {
    const WorldSample s = make_world_sample(9, i, varied(32));
    captions.insert(s.caption);
    for (const auto& w : training::caption_words(s.caption))
      EXPECT_TRUE(caption_lexicon().count(w)) << "'" << w << "' of '" << s.caption << "' is not in the lexicon";
    for (int c = 0; c < kWorldClassCount; ++c)
      for (bool plural : {false, true})
        for (const auto& p : class_phrasings(static_cast<WorldClass>(c), plural))
          if (s.caption.find(p) != std::string::npos) seen[static_cast<WorldClass>(c)].insert(p);
    for (const auto& b : training::caption_boilerplate()) {
      if (s.caption.find(b) != std::string::npos) {
        ++with_boilerplate;
        break;
      }
    }
  }
  std::printf("%zu distinct captions of 1500, %d with boilerplate\n", captions.size(), with_boilerplate);
  EXPECT_GT(captions.size(), 1200u);
  EXPECT_GT(with_boilerplate, 300);
  for (int c = 0; c < kWorldClassCount; ++c) {
    const auto cls = static_cast<WorldClass>(c);
    EXPECT_GE(seen[cls].size(), 6u) << world_class_name(cls);
    EXPECT_EQ(class_phrasings(cls).front(), world_class_name(cls));
  }
}

TEST(WorldCaptions, PlainCaptionsAreUnchangedByTheNewStyle) {
  WorldOptions plain;
  plain.width = plain.height = 48;
  for (uint64_t i = 0; i < 20; ++i) {
    const WorldSample p = make_world_sample(2024, i, plain), v = make_world_sample(2024, i, varied(48));
    EXPECT_EQ(p.image.pixels, v.image.pixels);  // the caption style changes words only
    if (p.scene == WorldScene::Crop) EXPECT_TRUE(world_class_from_name(p.caption).has_value());
  }
}

TEST(WorldCaptions, AViewIsAWindowOfTheLargerPicture) {
  for (uint64_t i = 0; i < 12; ++i) {
    WorldOptions whole;
    whole.width = whole.height = 64;
    WorldOptions part = whole;
    part.view = 24;
    const WorldSample big = make_world_sample(3, i, whole), view = make_world_sample(3, i, part);
    ASSERT_EQ(view.image.width, 24);
    ASSERT_EQ(view.classes.size(), 24u * 24u);
    bool found = false;
    for (int y0 = 0; y0 <= 40 && !found; ++y0)
      for (int x0 = 0; x0 <= 40 && !found; ++x0) {
        bool same = true;
        for (int y = 0; y < 24 && same; ++y)
          for (int x = 0; x < 24 && same; ++x) {
            const size_t a = static_cast<size_t>(y) * 24 + x, b = static_cast<size_t>(y0 + y) * 64 + x0 + x;
            same = view.classes[a] == big.classes[b] && view.image.pixels[3 * a] == big.image.pixels[3 * b] &&
                   view.image.pixels[3 * a + 2] == big.image.pixels[3 * b + 2];
          }
        found = same;
      }
    EXPECT_TRUE(found) << "sample " << i << ": the view is not a window of the whole picture";
  }
  WorldOptions bad;
  bad.width = bad.height = 64;
  bad.view = 8;
  EXPECT_THROW(validate_world_options(bad), Error);
  bad.view = 65;
  EXPECT_THROW(validate_world_options(bad), Error);
}

TEST(WorldCaptions, UnknownWordsGoBetweenTheCaptionsWords) {
  const int64_t kStart = 49406, kEnd = 49407;
  auto ids = torch::full({200, 12}, kEnd, torch::kLong);
  for (int64_t i = 0; i < 200; ++i) {
    ids[i][0] = kStart;
    for (int64_t j = 1; j <= 4; ++j) ids[i][j] = 100 + j;  // four words
  }
  const auto original = ids.clone();
  training::with_unknown_words(ids, 0.5, 7, 10);
  EXPECT_TRUE(torch::equal(ids.narrow(0, 0, 10), original.narrow(0, 0, 10)));  // kept rows
  int changed = 0;
  for (int64_t i = 0; i < 200; ++i) {
    auto a = ids[i];
    EXPECT_EQ(a[0].item<int64_t>(), kStart);
    std::vector<int64_t> words, extra;
    int64_t j = 1;
    for (; j < 12 && a[j].item<int64_t>() != kEnd; ++j) {
      const int64_t t = a[j].item<int64_t>();
      (t >= 101 && t <= 104 ? words : extra).push_back(t);
      EXPECT_LT(t, kStart);
    }
    EXPECT_LT(j, 12) << "row " << i << " lost its end token";
    EXPECT_EQ(words, (std::vector<int64_t>{101, 102, 103, 104})) << "row " << i;
    EXPECT_LE(extra.size(), 3u);
    changed += !extra.empty();
  }
  EXPECT_GT(changed, 50);
  EXPECT_LT(changed, 140);
}

// The held-out phrasings judge understanding, not memory: each holds a word no training caption can
// contain, and a word its class's training phrasings use.
TEST(HeldOutPhrasings, NoneCanBeATrainingCaptionAndEachNamesItsClass) {
  const ClassPhrasings held_out = read_class_phrasings(kHeldOut);
  EXPECT_EQ(held_out.size(), static_cast<size_t>(kWorldClassCount));
  static const std::set<std::string> kFunctionWords = {"a", "an", "the", "of", "with", "and", "on", "under", "above"};
  for (const auto& [cls, prompts] : held_out) {
    std::set<std::string> own;
    for (bool plural : {false, true})
      for (const auto& p : class_phrasings(cls, plural))
        for (const auto& w : training::caption_words(p))
          if (!kFunctionWords.count(w)) own.insert(w);
    for (const auto& prompt : prompts) {
      const auto words = training::caption_words(prompt);
      EXPECT_TRUE(std::any_of(words.begin(), words.end(), [](const std::string& w) { return !caption_lexicon().count(w); }))
          << "'" << prompt << "' uses only training words";
      EXPECT_TRUE(std::any_of(words.begin(), words.end(), [&](const std::string& w) { return own.count(w) > 0; }))
          << "'" << prompt << "' names nothing of " << world_class_name(cls);
    }
  }
}

std::string phrasings_error(const std::filesystem::path& file) {
  return test::error_of([&] { read_class_phrasings(file); });
}

TEST(HeldOutPhrasings, BadPhrasingFilesGetOneClearError) {
  test::TempDir dir;
  const auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return dir / name;
  };
  EXPECT_NE(phrasings_error(write("a.json", "{\"sea\": [\"ocean\"")).find("not valid JSON"), std::string::npos);
  EXPECT_NE(phrasings_error(write("b.json", "[\"sea\"]")).find("expected a JSON object"), std::string::npos);
  EXPECT_NE(phrasings_error(write("c.json", "{\"eagle\": [\"a bird\"]}")).find("unknown class \"eagle\""), std::string::npos);
  EXPECT_NE(phrasings_error(write("d.json", "{\"sea\": []}")).find("\"sea\" has an empty list"), std::string::npos);
  EXPECT_NE(phrasings_error(write("e.json", "{\"sea\": [3]}")).find("entry 1 must be text"), std::string::npos);
  EXPECT_NE(phrasings_error(write("f.json", "{\"sea\": [\"  \"]}")).find("entry 1 is empty"), std::string::npos);
  EXPECT_NE(phrasings_error(write("g.json", "{\"sea\": \"ocean\"}")).find("must be a list"), std::string::npos);
  EXPECT_NE(phrasings_error(write("h.json", "{}")).find("names no class"), std::string::npos);
  EXPECT_NE(phrasings_error(dir / "missing.json").find("no such file"), std::string::npos);
  EXPECT_NE(phrasings_error(dir.path()).find("not a regular file"), std::string::npos);
  ASSERT_EQ(mkfifo((dir / "fifo").c_str(), 0600), 0);
  EXPECT_NE(phrasings_error(dir / "fifo").find("not a regular file"), std::string::npos);  // refused, never opened
  std::string big = "{\"sea\": [\"" + std::string(1100000, 'x') + "\"]}";
  EXPECT_NE(phrasings_error(write("big.json", big)).find("at most 1 MiB"), std::string::npos);
  const auto good = read_class_phrasings(write("ok.json", "{\"sea\": [\"ocean waves\", \"calm sea\"], \"moon\": [\"full moon\"]}"));
  ASSERT_EQ(good.size(), 2u);
  EXPECT_EQ(good.at(WorldClass::Sea).size(), 2u);
}

}  // namespace
}  // namespace palette
