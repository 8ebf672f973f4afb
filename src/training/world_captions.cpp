#include "training/world_captions.h"

#include <algorithm>

namespace palette::training {

namespace {

using WC = WorldClass;
using Words = std::vector<std::string>;

// Each list starts with the class name (what a layer is prompted with by default), then what people
// write for the same thing. Colours and adjectives are those the world's looks actually have.
const Words& singular_phrasings(WC c) {
  static const std::array<Words, kWorldClassCount> table = {{
      {"clear sky", "blue sky", "a clear blue sky", "sky", "a cloudless sky", "bright blue sky", "summer sky",
       "daytime sky", "azure sky", "clear skies", "a sunny sky"},
      {"cloudy sky", "clouds", "an overcast sky", "grey clouds", "gray clouds", "a stormy sky", "white clouds",
       "fluffy clouds", "cloudy weather", "dark clouds", "an overcast day", "cumulus clouds"},
      {"sunset sky", "sunset", "a sunrise", "dusk", "golden hour sky", "an evening sky", "an orange sky", "dawn",
       "twilight", "a sky at sunset", "pink sunset clouds", "a red sky", "golden hour"},
      {"sea", "the sea", "ocean", "the ocean", "the open sea", "a calm sea", "blue ocean", "waves", "sea water",
       "deep blue sea", "the ocean horizon", "dark blue water"},
      {"lake", "a lake", "a calm lake", "a pond", "a mountain lake", "still water", "a small lake",
       "a reflective lake", "a teal lake", "an alpine lake", "a green lake", "lake water"},
      {"sand", "a beach", "sandy beach", "desert", "dunes", "sand dunes", "golden sand", "desert sand", "the shore",
       "sandy ground", "a desert plain", "yellow sand"},
      {"grass", "a meadow", "a meadow with wild flowers", "a green field", "a lawn", "grassland", "pasture",
       "green grass", "fields", "grassy hills", "a field of grass", "green meadows", "rolling hills"},
      {"forest", "a forest", "pine forest", "woods", "woodland", "dark pine trees", "a treeline", "a dense forest",
       "conifers", "an evergreen forest", "a distant forest", "fir trees", "a dark forest"},
      {"mountain", "mountains", "a mountain range", "peaks", "rocky mountains", "distant mountains",
       "purple mountains", "the alps", "a mountain ridge", "snow-capped peaks", "snow-capped mountains",
       "tall mountains", "a rugged mountain"},
      {"snow", "snowy ground", "a snowfield", "fresh snow", "white snow", "snow-covered ground", "deep snow",
       "a snowy field", "winter snow", "snowdrifts", "a blanket of snow"},
      {"rock", "rocks", "a boulder", "boulders", "stones", "large rocks", "grey boulders", "a rocky outcrop",
       "a stone", "big stones", "granite rocks"},
      {"road", "a road", "a dirt road", "a country road", "an asphalt road", "a path", "a highway",
       "a winding road", "a street", "a paved road", "a long road", "a gravel path"},
      {"house", "a house", "a cottage", "a small house", "a farmhouse", "a cabin", "a village house", "a home",
       "a building", "a brick house", "a little house", "a cozy cottage", "a house with a tiled roof"},
      {"tree", "a tree", "a green tree", "an oak tree", "a lone tree", "a small tree", "a leafy tree",
       "a round tree", "a single tree", "a deciduous tree", "an old tree"},
      {"sun", "the sun", "a bright sun", "the glowing sun", "a yellow sun", "the shining sun", "the sun disc",
       "a blazing sun", "the midday sun", "a round sun"},
      {"moon", "the moon", "a full moon", "a pale moon", "the glowing moon", "a white moon", "the night moon",
       "a big moon", "a silver moon", "the rising moon"},
  }};
  return table.at(static_cast<size_t>(c));
}

const Words& plural_phrasings(WC c) {
  static const Words houses = {"houses",   "two houses", "cottages",    "a village",     "small houses",
                               "farmhouses", "cabins",   "buildings",   "a few houses",  "brick houses"};
  static const Words trees = {"trees",       "a few trees", "green trees",  "oak trees",
                              "small trees", "leafy trees", "some trees",   "scattered trees"};
  return c == WC::House ? houses : trees;
}

const Words& crop_prefixes() {
  static const Words w = {"a photo of", "a painting of", "a close-up of", "a picture of", "an illustration of"};
  return w;
}

const Words& scene_prefixes() {
  static const Words w = {"a landscape with", "a view of", "a painting of", "a photo of", "a scene with",
                          "a picture of"};
  return w;
}

// Template words the sentence forms add between phrasings.
const Words& joining_words() {
  static const Words w = {"above", "on", "under", "with", "and"};
  return w;
}

}  // namespace

const std::vector<std::string>& class_phrasings(WorldClass c, bool plural) {
  return plural && (c == WC::House || c == WC::Tree) ? plural_phrasings(c) : singular_phrasings(c);
}

namespace {

const std::string& pick(const Words& words, WorldRng& rng) { return words[static_cast<size_t>(rng.below(static_cast<int>(words.size())))]; }

// The class name a third of the time (what layers are prompted with), else any phrasing.
std::string phrase(WC c, bool plural, const std::array<int64_t, kWorldClassCount>* counts, WorldRng& rng) {
  const Words& words = class_phrasings(c, plural);
  if (rng.chance(0.3f)) return words.front();
  for (;;) {
    const std::string& p = pick(words, rng);
    // Snow caps only where the picture has snow on its mountains.
    if (counts && c == WC::Mountain && p.find("snow") != std::string::npos && (*counts)[static_cast<size_t>(WC::Snow)] == 0)
      continue;
    return p;
  }
}

std::string joined(const Words& parts, const std::string& last_separator) {
  std::string s;
  for (size_t i = 0; i < parts.size(); ++i)
    s += (i == 0 ? "" : (i + 1 == parts.size() ? last_separator : ", ")) + parts[i];
  return s;
}

// Boilerplate after the content (sometimes before it), a third of the time.
std::string with_boilerplate(std::string caption, WorldRng& rng) {
  if (!rng.chance(0.35f)) return caption;
  Words extra;
  for (int n = 1 + rng.below(3); n > 0; --n) extra.push_back(pick(caption_boilerplate(), rng));
  const std::string tail = joined(extra, ", ");
  return rng.chance(0.75f) ? caption + ", " + tail : tail + ", " + caption;
}

void shuffle(Words& words, WorldRng& rng) {
  for (size_t i = words.size(); i > 1; --i) std::swap(words[i - 1], words[static_cast<size_t>(rng.below(static_cast<int>(i)))]);
}

}  // namespace

const std::vector<std::string>& caption_boilerplate() {
  static const Words w = {"highly detailed", "8k",           "4k",          "masterpiece",      "best quality",
                          "high quality",    "trending on artstation",     "photorealistic",   "sharp focus",
                          "digital painting", "oil painting", "concept art", "ultra detailed",   "hd",
                          "beautiful",       "award winning", "cinematic lighting", "landscape painting",
                          "wallpaper",       "intricate",    "professional photo", "matte painting", "realistic",
                          "detailed",        "vivid colors", "soft light"};
  return w;
}

std::string varied_crop_caption(WorldClass c, WorldRng& rng) {
  std::string s = phrase(c, rng.chance(0.3f), nullptr, rng);
  if (rng.chance(0.25f)) s = pick(crop_prefixes(), rng) + " " + s;
  return with_boilerplate(std::move(s), rng);
}

std::string varied_scene_caption(const std::array<int64_t, kWorldClassCount>& counts, const SceneObjects& objects,
                                 WorldRng& rng) {
  const auto present = [&](WC c) { return counts[static_cast<size_t>(c)] > 0; };
  const auto name = [&](WC c) {
    const bool plural = (c == WC::House && objects.houses > 1) || (c == WC::Tree && objects.trees > 1);
    return phrase(c, plural, &counts, rng);
  };
  static const WC kTopDown[] = {WC::ClearSky, WC::CloudySky, WC::SunsetSky, WC::Mountain, WC::Forest, WC::Sea,
                                WC::Lake,     WC::Grass,     WC::Sand,      WC::Snow,     WC::Rock,   WC::Road};
  static const WC kObjects[] = {WC::Sun, WC::Moon, WC::House, WC::Tree};
  Words bands, things, all;
  for (WC c : kTopDown)
    if (present(c)) bands.push_back(name(c));
  for (WC c : kObjects)
    if (present(c)) things.push_back(name(c));
  all = bands;
  all.insert(all.end(), things.begin(), things.end());
  std::string s;
  const float form = rng.uniform();
  if (form < 0.3f) {  // "a clear sky above the sea above sand, with the sun"
    for (size_t i = 0; i < bands.size(); ++i) s += (i ? " above " : "") + bands[i];
    if (!things.empty()) s += (s.empty() ? "" : ", with ") + joined(things, " and ");
  } else if (form < 0.55f) {  // "meadow, cottage, oak tree, blue sky": any order, as prompts are written
    shuffle(all, rng);
    s = joined(all, ", ");
  } else if (form < 0.8f) {  // "a landscape with mountains, a lake and a tree"
    shuffle(all, rng);
    s = pick(scene_prefixes(), rng) + " " + joined(all, " and ");
  } else {  // "the sea and sand under a sunset sky": the sky (the first band, when there is one) last
    const bool sky_first = present(WC::ClearSky) || present(WC::CloudySky) || present(WC::SunsetSky);
    Words rest(all.begin() + (sky_first ? 1 : 0), all.end());
    shuffle(rest, rng);
    s = joined(rest, " and ");
    if (sky_first) s += (s.empty() ? "" : " under ") + all.front();
  }
  return with_boilerplate(std::move(s), rng);
}

std::vector<std::string> caption_words(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  for (char ch : text + " ") {
    if (ch == ' ' || ch == ',' || ch == ':') {
      if (!word.empty()) words.push_back(word);
      word.clear();
    } else {
      word += static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
    }
  }
  return words;
}

const std::set<std::string>& caption_lexicon() {
  static const std::set<std::string> lexicon = [] {
    std::set<std::string> words;
    const auto add = [&](const std::string& text) {
      for (auto& w : caption_words(text)) words.insert(std::move(w));
    };
    for (int c = 0; c < kWorldClassCount; ++c)
      for (bool plural : {false, true})
        for (const auto& p : class_phrasings(static_cast<WC>(c), plural)) add(p);
    for (const Words* list : {&caption_boilerplate(), &crop_prefixes(), &scene_prefixes(), &joining_words()})
      for (const auto& p : *list) add(p);
    return words;
  }();
  return lexicon;
}

}  // namespace palette::training
