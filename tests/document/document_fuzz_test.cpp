// Random mutations of valid files, byte by byte and value by value: every one either loads (and then
// saves and loads back to the same document) or fails with a palette::Error naming the file. Nothing
// else may happen: no other exception, no crash, no hang. Deterministic (fixed seeds).
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <random>

#include "document_test_util.h"
#include "palette/document_file.h"
#include "palette/error.h"

namespace palette {
namespace {

using Json = nlohmann::ordered_json;
using Rng = std::mt19937_64;

std::string valid_file(DocumentKind kind) {
  Document doc(64, 72);
  const LayerId a = doc.add_layer(test::layer_properties("sky", "#4080ff", "a blue sky"));
  const LayerId b = doc.add_layer(test::layer_properties("tree", "#208020", "a tree"));
  doc.add_layer(test::layer_properties("empty"));
  doc.set_mask_from_image(a, test::gray_image(64, 72, [](int x, int y) { return (x * 4 + y) % 256; }));
  doc.begin_stroke(b, {.diameter = 20, .hardness = 0.5});
  doc.stroke_to(10, 60);
  doc.stroke_to(50, 40);
  doc.end_stroke();
  Background bg;
  bg.prompt = "a hill";
  bg.image = std::make_shared<const Image>(Image{2, 2, 3, std::vector<uint8_t>(12, 77)});
  doc.set_background(bg);
  Json text = Json::parse(serialize_document(doc.content(), kind));
  text["app"] = {{"zoom", 1.5}, {"recent", {"a", "b"}}};
  text["layers"][0]["locked"] = true;
  return text.dump(kind == DocumentKind::Layout ? -1 : 2);
}

int pick(Rng& rng, int n) {
  return int(std::uniform_int_distribution<int>(0, n - 1)(rng));
}

Json random_value(Rng& rng) {
  static const char* strings[] = {"",
                                  "#12xz45",
                                  "#FFFFFF",
                                  "layout",
                                  "palette",
                                  "semantic-palette",
                                  "data:image/png;base64,",
                                  "data:image/png;base64,iVBORw0KGgo=",
                                  "../x.png",
                                  "ü✓",
                                  "\x1b]0;title\x07\x1b[2J\xc2\x9b",  // terminal escapes (C0, C1)
                                  "a\xff\xc0\xaf" "b"};                  // not UTF-8 (saved with U+FFFD)
  // Numbers at the edges of what the fields take: guidance, seeds, strengths.
  static const double edges[] = {1e308, -1e308, -1, 4.9e-324, 100.0000001, 18446744073709551615.0};
  switch (pick(rng, 13)) {
    case 0:
      return nullptr;
    case 1:
      return pick(rng, 2) == 0;
    case 2:
      return int64_t(rng());
    case 3:
      return uint64_t(rng());
    case 4:
      return pick(rng, 2000) - 1000;
    case 5:
      return std::ldexp(double(pick(rng, 1000)) - 500, pick(rng, 80) - 40);
    case 6:
      return strings[pick(rng, 12)];
    case 7:
      return std::string(size_t(pick(rng, 300)), char('a' + pick(rng, 26)));
    case 8:
      return Json::array({1, "x", nullptr});
    case 9:
      return Json::object({{"width", 64}});
    case 10:
      return 64 * (pick(rng, 5) + 1);
    case 11:
      return edges[pick(rng, 6)];
    default:
      return 1;
  }
}

// A random value inside `j` (objects and arrays descended at random), or `j` itself.
Json* random_node(Json& j, Rng& rng) {
  Json* node = &j;
  while ((node->is_object() || node->is_array()) && !node->empty() && pick(rng, 4) != 0) {
    auto it = node->begin();
    std::advance(it, pick(rng, int(node->size())));
    node = &*it;
  }
  return node;
}

void mutate_value(Json& j, Rng& rng) {
  Json* node = random_node(j, rng);
  switch (pick(rng, 4)) {
    case 0:
      *node = random_value(rng);
      break;
    case 1:
      if (node->is_object() && !node->empty())
        node->erase(std::next(node->begin(), pick(rng, int(node->size()))).key());
      else if (node->is_array() && !node->empty())
        node->erase(size_t(pick(rng, int(node->size()))));
      break;
    case 2:
      if (node->is_object())
        (*node)["k" + std::to_string(pick(rng, 5))] = random_value(rng);
      else if (node->is_array())
        node->push_back(node->empty() ? random_value(rng) : (*node)[0]);
      break;
    default:
      // Damage inside a string, e.g. a mask's base64, which then reaches the PNG decoder.
      if (node->is_string() && !node->get_ref<std::string&>().empty()) {
        std::string& s = node->get_ref<std::string&>();
        const size_t at = size_t(pick(rng, int(s.size())));
        if (pick(rng, 3) == 0)
          s.resize(at);
        else
          s[at] = "AZaz09+/=@ "[pick(rng, 11)];
      }
  }
}

void mutate_bytes(std::string& text, Rng& rng) {
  static const char* tokens[] = {"null",
                                 "1e999",
                                 "-0",
                                 "\"\\u0000\"",
                                 "[]",
                                 "{}",
                                 "18446744073709551616",
                                 "\"#zzzzzz\"",
                                 "\\",
                                 "\"",
                                 ",",
                                 "\xff",
                                 "1e308",
                                 "-1",
                                 "\"\\u001b[2J\"",
                                 "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",  // past the depth limit
                                 std::string(1, '\0').c_str()};  // dangles: never picked
  if (text.empty()) return;
  const size_t at = size_t(pick(rng, int(text.size())));
  const size_t len = std::min(text.size() - at, size_t(pick(rng, 16) + 1));
  switch (pick(rng, 5)) {
    case 0:
      text[at] = char(text[at] ^ (1 << pick(rng, 8)));
      break;
    case 1:
      text.erase(at, len);
      break;
    case 2:
      text.insert(at, text.substr(at, len));
      break;
    case 3:
      text.resize(at);
      break;
    default:
      text.insert(at, tokens[pick(rng, int(std::size(tokens)) - 1)]);
  }
}

struct FuzzCounts {
  int loaded = 0, refused = 0;
};

void run_case(const std::string& text, int iteration, FuzzCounts& counts) {
  try {
    const LoadedDocument doc = parse_document(text, "fuzz");
    // What loads must save and load back to the same document.
    const std::string saved = serialize_document(doc.document.content(), doc.kind);
    const LoadedDocument again = parse_document(saved, "saved");
    ASSERT_TRUE(same_content(doc.document.content(), again.document.content())) << "iteration " << iteration;
    ++counts.loaded;
  } catch (const Error& e) {
    ASSERT_EQ(std::string(e.what()).rfind("'fuzz': ", 0), 0u)
        << "iteration " << iteration << ": " << e.what();
    ++counts.refused;
  } catch (const std::exception& e) {
    FAIL() << "iteration " << iteration << ": not a palette::Error: " << e.what();
  }
}

TEST(DocumentFuzz, MutatedFilesLoadOrFailCleanly) {
  const auto start = std::chrono::steady_clock::now();
  FuzzCounts counts;
  Rng rng(20261124);
  const std::string bases[] = {valid_file(DocumentKind::Layout), valid_file(DocumentKind::Palette)};
  for (int i = 0; i < 10000; ++i) {
    const std::string& base = bases[i % 2];
    std::string text;
    if (pick(rng, 2) == 0) {
      text = base;
      for (int m = pick(rng, 3); m >= 0; --m) mutate_bytes(text, rng);
    } else {
      Json j = Json::parse(base);
      for (int m = pick(rng, 3); m >= 0; --m) mutate_value(j, rng);
      text = j.dump(-1, ' ', false, Json::error_handler_t::replace);  // the damage may split a UTF-8 sequence
    }
    run_case(text, i, counts);
    if (HasFatalFailure()) return;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("fuzz: %d loaded, %d refused, %.2f s\n", counts.loaded, counts.refused, seconds);
  // Both outcomes must occur, or the mutations are not exercising the reader.
  EXPECT_GT(counts.loaded, 500);
  EXPECT_GT(counts.refused, 3000);
}

}  // namespace
}  // namespace palette
