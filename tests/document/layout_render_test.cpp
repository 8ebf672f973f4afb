// From a document to the region pipeline's request and the stream engine's snapshots.
#include <gtest/gtest.h>

#include "document_test_util.h"
#include "palette/document_file.h"
#include "palette/error.h"
#include "palette/document_requests.h"

namespace palette {
namespace {

struct FourLayers {
  Document doc{128, 64};
  LayerId a, b, c, d;
  FourLayers() {
    a = doc.add_layer(test::layer_properties("a", "#010101", "prompt a"));
    b = doc.add_layer(test::layer_properties("b", "#020202", "prompt b"));
    c = doc.add_layer(test::layer_properties("c", "#030303", "prompt c"));
    d = doc.add_layer(test::layer_properties("d", "#040404", "prompt d"));
    for (LayerId id : {a, b, d})
      doc.set_mask_from_image(id,
                              test::gray_image(128, 64, [id](int x, int) { return (x * int(id)) % 256; }));
    LayerProperties p = doc.layer(b).properties;
    p.enabled = false;
    doc.set_layer_properties(b, p);
    p = doc.layer(d).properties;
    p.negative_prompt = "neg d";
    p.prompt_strength = 0.25;
    p.mask_strength = 0.5;
    p.mask_blur = 3;
    doc.set_layer_properties(d, p);
    Background bg;
    bg.prompt = "bg";
    bg.negative_prompt = "bg neg";
    doc.set_background(bg);
    GenerationSettings s;
    s.seed = 77;
    s.guidance = 2.5;
    s.bootstrap_steps = 3;
    doc.set_settings(s);
  }
};

TEST(DocumentRegionRequest, EnabledPaintedLayersInOrder) {
  FourLayers f;
  std::vector<LayerId> ids;
  const RegionRequest r = region_request(*f.doc.snapshot(), &ids);
  EXPECT_EQ(r.width, 128);
  EXPECT_EQ(r.height, 64);
  EXPECT_EQ(r.seed, 77u);
  EXPECT_EQ(r.background.prompt, "bg");
  EXPECT_EQ(r.background.negative_prompt, "bg neg");
  EXPECT_EQ(r.sampling.guidance, 2.5);
  EXPECT_EQ(r.sampling.bootstrap_steps, 3);
  EXPECT_EQ(ids, (std::vector<LayerId>{f.a, f.d}));  // b is disabled, c has nothing painted
  ASSERT_EQ(r.layers.size(), 2u);
  EXPECT_EQ(r.layers[0].prompt, "prompt a");
  EXPECT_FALSE(r.layers[0].mask.defined());
  EXPECT_EQ(r.layers[0].mask_image.channels, 1);
  EXPECT_EQ(r.layers[0].mask_image.pixels, f.doc.layer(f.a).mask.to_image().pixels);
  const RegionLayer& d = r.layers[1];
  EXPECT_EQ(d.negative_prompt, "neg d");
  EXPECT_EQ(d.prompt_strength, 0.25);
  EXPECT_EQ(d.mask_strength, 0.5);
  EXPECT_EQ(d.mask_blur_std, 3);
  EXPECT_NO_THROW(validate_region_request(r));
}

TEST(DocumentRegionRequest, SamplerPresets) {
  GenerationSettings s;
  s.sampler = Sampler::lcm;
  s.steps = 5;
  EXPECT_EQ(region_sampling(s).t_index_list, (std::vector<int>{0, 10, 20, 30, 40}));
  s.steps = 4;  // diffusers: skipping step 50 // 4 = 12
  EXPECT_EQ(region_sampling(s).t_index_list, (std::vector<int>{0, 12, 24, 36}));
  s.steps = 1;
  EXPECT_EQ(region_sampling(s).t_index_list, (std::vector<int>{0}));
  s.steps = 50;
  EXPECT_EQ(region_sampling(s).t_index_list.back(), 49);
  EXPECT_EQ(region_sampling(s).index_steps, 50);
  s.steps = 51;
  EXPECT_THROW(region_sampling(s), Error);
  s.sampler = Sampler::lcm_stream;
  s.steps = 5;
  EXPECT_EQ(region_sampling(s).t_index_list, (std::vector<int>{0, 4, 12, 25, 37}));
  s.steps = 4;
  EXPECT_THROW(region_sampling(s), Error);
  s.sampler = Sampler::ddim;
  try {
    region_sampling(s);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "settings.sampler: 'ddim' is not a region-rendering sampler (layouts use lcm or lcm_stream)");
  }
}

// Layouts saved before the sampler names were unified say "smd": they load as lcm_stream (the same
// schedule), are written back with the canonical name, and an unknown name lists the known ones.
TEST(DocumentRegionRequest, OldSamplerNameLoadsAndIsWrittenCanonically) {
  const auto layout = [](const std::string& sampler) {
    return R"({"format": "semantic-palette", "version": 1, "kind": "layout",
               "canvas": {"width": 64, "height": 64},
               "settings": {"sampler": ")" + sampler + R"(", "steps": 5}, "layers": []})";
  };
  const LoadedDocument old = parse_document(layout("smd"), "old.json");
  EXPECT_EQ(old.document.content().settings.sampler, Sampler::lcm_stream);
  EXPECT_EQ(region_sampling(old.document.content().settings).t_index_list, (std::vector<int>{0, 4, 12, 25, 37}));
  const std::string saved = serialize_document(old.document.content(), DocumentKind::Layout);
  EXPECT_NE(saved.find(R"("sampler": "lcm_stream")"), std::string::npos) << saved;
  EXPECT_EQ(parse_document(saved, "new.json").document.content().settings.sampler, Sampler::lcm_stream);
  EXPECT_EQ(parse_document(layout("lcm"), "new.json").document.content().settings.sampler, Sampler::lcm);
  try {
    parse_document(layout("dpm"), "bad.json");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "settings.sampler: unknown sampler 'dpm' (known: lcm, lcm_stream, ddim, euler, euler_a)"),
              std::string::npos)
        << e.what();
  }
}

TEST(DocumentStreamSnapshot, ReusesMaskTensorsWhileRevisionsStay) {
  FourLayers f;
  StreamSnapshotMaker make;
  const auto s1 = make(*f.doc.snapshot());
  ASSERT_EQ(s1->layers.size(), 4u);
  EXPECT_EQ(s1->seed, 77u);
  EXPECT_EQ(s1->layers[1].id, f.b);
  EXPECT_FALSE(s1->layers[1].enabled);
  EXPECT_FLOAT_EQ(s1->layers[0].region.mask[0][3].item<float>(), 3 * int(f.a) / 255.0f);
  f.doc.begin_stroke(f.d, {.diameter = 10});
  f.doc.stroke_to(5, 5);
  f.doc.end_stroke();
  LayerProperties p = f.doc.layer(f.a).properties;
  p.prompt = "new prompt";
  f.doc.set_layer_properties(f.a, p);
  const auto s2 = make(*f.doc.snapshot());
  EXPECT_GT(s2->version, s1->version);
  EXPECT_TRUE(s2->layers[0].region.mask.is_same(s1->layers[0].region.mask));  // prompt edit only
  EXPECT_EQ(s2->layers[0].region.prompt, "new prompt");
  EXPECT_FALSE(s2->layers[3].region.mask.is_same(s1->layers[3].region.mask));  // painted
  f.doc.undo();
  f.doc.undo();  // back to s1's pixels and revisions: a fresh tensor for d is fine, but equal
  const auto s3 = make(*f.doc.snapshot());
  EXPECT_TRUE(torch::equal(s3->layers[3].region.mask, s1->layers[3].region.mask));
}

TEST(DocumentStreamSnapshot, RandomSeedIsKeptPerDocument) {
  Document doc(64, 64);
  StreamSnapshotMaker make;
  const uint64_t seed = make(*doc.snapshot())->seed;
  doc.add_layer(test::layer_properties("x"));
  EXPECT_EQ(make(*doc.snapshot())->seed, seed);
}

}  // namespace
}  // namespace palette
