#include "training/world_compose.h"

#include <algorithm>
#include <optional>
#include <vector>

namespace palette::training {

namespace {

using WC = WorldClass;

WorldClass pick_sky(WorldRng& rng, float clear, float cloudy) {
  const float r = rng.uniform();
  return r < clear ? WC::ClearSky : (r < clear + cloudy ? WC::CloudySky : WC::SunsetSky);
}

// Scene-building state shared by the compositions. Bands are added top to bottom, each with its top
// edge; the sky is above the first.
struct Builder {
  Canvas& c;
  WorldRng& rng;
  ClassLook sky;
  std::vector<Band> bands;  // after the sky; `bottom` holds each band's top edge until paint()
  float aspect;

  Builder(Canvas& canvas, WorldRng& r, WorldClass sky_class) : c(canvas), rng(r), aspect(canvas.aspect()) {
    sky = make_look(sky_class, rng);
  }
  ClassLook look(WorldClass cls) { return make_look(cls, rng); }
  void add(WorldClass cls, std::vector<float> top) { bands.push_back({look(cls), std::move(top)}); }
  std::vector<float> wavy(float level, float wobble) {
    return level_edge(c, level, wobble, rng.uniform(1.5f, 4.0f), rng.next());
  }
  std::vector<float> ridge(float base, float height, float frequency) {
    return ridge_edge(c, base, height, frequency, rng.next());
  }
  std::vector<float> treeline(float level, float height) { return treeline_edge(c, level, height, rng.next()); }

  struct Disc {
    ClassLook look;
    float u = 0, v = 0, r = 0;
  };
  // A sun or moon above `horizon`; the sun's glow goes into the sky's look, so call before paint().
  Disc celestial(WorldClass cls, float horizon) {
    Disc d{look(cls), 0, 0, rng.uniform(0.045f, 0.09f)};
    d.u = rng.uniform(0.12f, 0.88f) * aspect;
    d.v = rng.uniform(d.r + 0.04f, std::max(d.r + 0.05f, horizon - d.r - 0.06f));
    if (cls == WC::Sun) {
      sky.sun_u = d.u;
      sky.sun_v = d.v;
      sky.sun_radius = d.r;
    }
    return d;
  }
  // An optional sun or moon (probabilities sun, moon) above `horizon`.
  std::optional<Disc> maybe_celestial(float sun, float moon, float horizon) {
    const float r = rng.uniform();
    if (r < sun) return celestial(WC::Sun, horizon);
    if (r < sun + moon) return celestial(WC::Moon, horizon);
    return std::nullopt;
  }
  void paint(const std::optional<Disc>& disc = std::nullopt) {
    std::vector<Band> all{{sky, {}}};
    for (Band& b : bands) {
      all.back().bottom = b.bottom;  // a band's top is the lower edge of the one above
      all.push_back(b);
    }
    all.back().bottom.assign(c.w, 1.0f);
    paint_bands(c, all);
    if (disc) paint_disc(c, disc->look, disc->u, disc->v, disc->r);
  }
  void road(float far_v, float min_half, float max_half) {
    paint_road(c, look(WC::Road), rng.uniform(0.2f, 0.8f) * aspect, rng.uniform(min_half, max_half),
               rng.uniform(0.3f, 0.7f) * aspect, far_v, rng.uniform(-0.35f, 0.35f));
  }
  void boulders(int count, float far, float near, float min_size, float max_size) {
    const ClassLook rock = look(WC::Rock);
    for (int i = 0; i < count; ++i) {
      const float v = rng.uniform(far, near);
      const float size = (0.4f + v - far) * rng.uniform(min_size, max_size);  // nearer, larger
      paint_boulder(c, rock, rng.uniform(0.1f, 0.9f) * aspect, v, size * rng.uniform(1.0f, 1.8f), size);
    }
  }
  // Houses and trees on the ground between `far` and `near` (v), painted back to front.
  SceneObjects objects(int houses, int trees, float far, float near) {
    struct Item {
      float v, u, size;
      bool house;
    };
    std::vector<Item> items;
    for (int i = 0; i < houses + trees; ++i) {
      const float v = rng.uniform(far, near);
      const float depth = 0.45f + 0.8f * (v - far) / std::max(near - far, 1e-3f);  // nearer, larger
      const bool is_house = i < houses;
      const float size = depth * (is_house ? rng.uniform(0.16f, 0.26f) : rng.uniform(0.045f, 0.075f));
      items.push_back({v, rng.uniform(0.12f, 0.88f) * aspect, size, is_house});
    }
    std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.v < b.v; });
    const ClassLook house = look(WC::House), tree = look(WC::Tree);
    for (const Item& it : items) {
      if (it.house)
        paint_house(c, house, rng, it.u, it.v, it.size);
      else
        paint_tree(c, tree, it.u, it.v, it.size);
    }
    return {houses, trees};
  }
};

SceneObjects coast(Canvas& c, WorldRng& rng) {
  Builder b(c, rng, pick_sky(rng, 0.45f, 0.3f));
  const float horizon = rng.uniform(0.35f, 0.6f);
  const float shore = rng.uniform(horizon + 0.15f, std::min(0.85f, horizon + 0.4f));
  b.add(WC::Sea, level_edge(c, horizon, 0.0f, 1.0f, 0));
  b.add(WC::Sand, b.wavy(shore, 0.03f));
  const auto disc = b.maybe_celestial(0.4f, 0.15f, horizon);
  b.paint(disc);
  if (rng.chance(0.35f)) b.boulders(1 + rng.below(3), shore + 0.05f, 0.98f, 0.05f, 0.12f);
  return {};
}

SceneObjects countryside(Canvas& c, WorldRng& rng) {
  Builder b(c, rng, pick_sky(rng, 0.4f, 0.4f));
  const float horizon = rng.uniform(0.4f, 0.62f);
  const bool mountains = rng.chance(0.4f), forest = rng.chance(0.5f);
  if (mountains) b.add(WC::Mountain, b.ridge(horizon, rng.uniform(0.15f, 0.3f), rng.uniform(1.5f, 3.0f)));
  if (forest) b.add(WC::Forest, b.treeline(horizon, rng.uniform(0.03f, 0.07f)));
  const float ground = horizon + (forest ? rng.uniform(0.04f, 0.1f) : 0.0f);
  b.add(WC::Grass, b.wavy(ground, 0.01f));
  const auto disc = b.maybe_celestial(0.25f, 0.12f, horizon - (mountains ? 0.3f : 0.02f));
  b.paint(disc);
  if (mountains && rng.chance(0.5f)) paint_snow_caps(c, b.look(WC::Snow), horizon - 0.2f, rng.next());
  if (rng.chance(0.3f)) b.road(ground + 0.005f, 0.12f, 0.25f);
  return b.objects(rng.chance(0.65f) ? 1 + (rng.chance(0.25f) ? 1 : 0) : 0, rng.below(4), ground + 0.06f, 0.97f);
}

SceneObjects mountain_lake(Canvas& c, WorldRng& rng) {
  Builder b(c, rng, pick_sky(rng, 0.45f, 0.3f));
  const float horizon = rng.uniform(0.45f, 0.6f);
  const bool forest = rng.chance(0.7f);
  const float height = rng.uniform(0.28f, 0.42f);
  b.add(WC::Mountain, b.ridge(horizon, height, rng.uniform(1.2f, 2.5f)));
  if (forest) b.add(WC::Forest, b.treeline(horizon, rng.uniform(0.03f, 0.06f)));
  const float ground = horizon + (forest ? rng.uniform(0.05f, 0.1f) : 0.0f);
  b.add(WC::Grass, b.wavy(ground, 0.01f));
  const auto disc = b.maybe_celestial(0.0f, 0.15f, horizon - height);
  b.paint(disc);
  if (rng.chance(0.7f)) paint_snow_caps(c, b.look(WC::Snow), horizon - height * rng.uniform(0.45f, 0.65f), rng.next());
  const float lake_v = ground + rng.uniform(0.08f, 0.16f), lake_rv = rng.uniform(0.05f, 0.1f);
  paint_lake(c, b.look(WC::Lake), rng.uniform(0.3f, 0.7f) * b.aspect, lake_v, rng.uniform(0.25f, 0.55f) * b.aspect,
             lake_rv);
  return b.objects(0, rng.below(3), lake_v + 1.3f * lake_rv + 0.02f, 0.98f);
}

SceneObjects winter(Canvas& c, WorldRng& rng) {
  Builder b(c, rng, pick_sky(rng, 0.45f, 0.45f));
  const float horizon = rng.uniform(0.4f, 0.6f);
  const bool mountains = rng.chance(0.6f);
  if (mountains) b.add(WC::Mountain, b.ridge(horizon, rng.uniform(0.15f, 0.3f), rng.uniform(1.5f, 3.0f)));
  b.add(WC::Snow, b.wavy(horizon, 0.015f));
  const auto disc = b.maybe_celestial(0.0f, 0.2f, horizon - (mountains ? 0.3f : 0.02f));
  b.paint(disc);
  if (mountains) paint_snow_caps(c, b.look(WC::Snow), horizon - rng.uniform(0.12f, 0.2f), rng.next());
  return b.objects(rng.chance(0.35f) ? 1 : 0, 1 + rng.below(3), horizon + 0.06f, 0.97f);
}

SceneObjects desert(Canvas& c, WorldRng& rng) {
  Builder b(c, rng, pick_sky(rng, 0.6f, 0.0f));
  const float horizon = rng.uniform(0.4f, 0.62f);
  const bool mountains = rng.chance(0.3f);
  if (mountains) b.add(WC::Mountain, b.ridge(horizon, rng.uniform(0.08f, 0.18f), rng.uniform(2.0f, 4.0f)));
  b.add(WC::Sand, b.wavy(horizon, 0.015f));
  const auto disc = b.maybe_celestial(0.4f, 0.0f, horizon - (mountains ? 0.2f : 0.02f));
  b.paint(disc);
  if (rng.chance(0.35f)) b.road(horizon + 0.01f, 0.12f, 0.25f);
  b.boulders(1 + rng.below(4), horizon + 0.05f, 0.98f, 0.08f, 0.2f);
  return {};
}

SceneObjects road(Canvas& c, WorldRng& rng) {
  Builder b(c, rng, pick_sky(rng, 0.45f, 0.35f));
  const float horizon = rng.uniform(0.38f, 0.55f);
  const bool forest = rng.chance(0.5f);
  if (forest) b.add(WC::Forest, b.treeline(horizon, rng.uniform(0.03f, 0.06f)));
  const float ground = horizon + (forest ? rng.uniform(0.03f, 0.07f) : 0.0f);
  b.add(rng.chance(0.3f) ? WC::Sand : WC::Grass, b.wavy(ground, 0.005f));
  b.paint();
  b.road(ground + 0.005f, 0.2f, 0.4f);
  return b.objects(rng.chance(0.3f) ? 1 : 0, rng.below(5), ground + 0.05f, 0.97f);
}

// How a class is named in a sentence; each contains world_class_name(c).
std::string phrase(WorldClass c, const SceneObjects& o) {
  switch (c) {
    case WC::ClearSky: return "a clear sky";
    case WC::CloudySky: return "a cloudy sky";
    case WC::SunsetSky: return "a sunset sky";
    case WC::Sea: return "the sea";
    case WC::Lake: return "a lake";
    case WC::Forest: return "a forest";
    case WC::Mountain: return "mountains";
    case WC::Rock: return "rocks";
    case WC::Road: return "a road";
    case WC::House: return o.houses > 1 ? "two houses" : "a house";
    case WC::Tree: return o.trees > 1 ? "trees" : "a tree";
    case WC::Sun: return "the sun";
    case WC::Moon: return "the moon";
    default: return world_class_name(c);  // sand, grass, snow
  }
}

std::string joined(const std::vector<std::string>& parts, const std::string& last_separator) {
  std::string s;
  for (size_t i = 0; i < parts.size(); ++i)
    s += (i == 0 ? "" : (i + 1 == parts.size() ? last_separator : ", ")) + parts[i];
  return s;
}

}  // namespace

SceneObjects compose_scene(Canvas& canvas, WorldScene scene, WorldRng& rng) {
  switch (scene) {
    case WorldScene::Coast: return coast(canvas, rng);
    case WorldScene::Countryside: return countryside(canvas, rng);
    case WorldScene::MountainLake: return mountain_lake(canvas, rng);
    case WorldScene::Winter: return winter(canvas, rng);
    case WorldScene::Desert: return desert(canvas, rng);
    case WorldScene::Road: return road(canvas, rng);
    case WorldScene::Crop: break;
  }
  return {};
}

std::string scene_caption(const std::array<int64_t, kWorldClassCount>& counts, const SceneObjects& objects,
                          WorldRng& rng) {
  const auto present = [&](WorldClass c) { return counts[static_cast<size_t>(c)] > 0; };
  // Top to bottom, roughly as the compositions stack their bands.
  static const WorldClass kBandOrder[] = {WC::ClearSky, WC::CloudySky, WC::SunsetSky, WC::Mountain, WC::Forest,
                                          WC::Sea,      WC::Lake,      WC::Grass,     WC::Sand,     WC::Snow,
                                          WC::Rock,     WC::Road};
  static const WorldClass kObjects[] = {WC::Sun, WC::Moon, WC::House, WC::Tree};
  std::vector<std::string> bands, things;
  for (WorldClass c : kBandOrder)
    if (present(c)) bands.push_back(phrase(c, objects));
  for (WorldClass c : kObjects)
    if (present(c)) things.push_back(phrase(c, objects));
  const bool standing = present(WC::House) || present(WC::Tree);
  if (standing && rng.chance(0.6f)) {  // "a house and a tree on grass under a cloudy sky, with a road"
    WorldClass ground = WC::Grass;
    for (WorldClass g : {WC::Grass, WC::Sand, WC::Snow})
      if (present(g) && counts[static_cast<size_t>(g)] >= counts[static_cast<size_t>(ground)]) ground = g;
    std::vector<std::string> standing_things, rest;
    for (WorldClass c : {WC::House, WC::Tree})
      if (present(c)) standing_things.push_back(phrase(c, objects));
    std::string sky;
    for (WorldClass c : kBandOrder) {
      if (!present(c) || c == ground) continue;
      if (is_sky(c))
        sky = phrase(c, objects);
      else
        rest.push_back(phrase(c, objects));
    }
    for (WorldClass c : {WC::Sun, WC::Moon})
      if (present(c)) rest.push_back(phrase(c, objects));
    std::string s = joined(standing_things, " and ") + " on " + phrase(ground, objects);
    if (!sky.empty()) s += " under " + sky;
    if (!rest.empty()) s += ", with " + joined(rest, " and ");
    return s;
  }
  std::string s;  // "a clear sky above the sea above sand"
  for (size_t i = 0; i < bands.size(); ++i) s += (i ? " above " : "") + bands[i];
  if (!things.empty()) s += ", with " + joined(things, " and ");
  return s;
}

}  // namespace palette::training
