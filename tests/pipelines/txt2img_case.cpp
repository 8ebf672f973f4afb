#include "pipelines/txt2img_case.h"

#include <nlohmann/json.hpp>

#include "sampling/scheduler.h"
#include "support/parity.h"

namespace palette::test {

Txt2ImgCase open_txt2img(const std::string& name) {
  Txt2ImgCase c{open_case(name), {}};
  const auto& m = c.file.metadata();
  c.options.prompt = c.meta("prompt");
  if (m.count("negative_prompt")) c.options.negative_prompt = c.meta("negative_prompt");
  // A diffusers class name, "EulerDiscreteScheduler(trailing)" or "… (leading, steps_offset 1)": the
  // engine's factory reads the name. None: the model's own scheduler.
  if (m.count("scheduler")) {
    std::string scheduler = c.meta("scheduler");
    scheduler = scheduler.substr(0, scheduler.find('('));
    scheduler = scheduler.substr(0, scheduler.find_last_not_of(' ') + 1);
    c.options.sampler = make_scheduler(nlohmann::json::object(), scheduler)->sampler();
  }
  c.options.steps = std::stoi(m.at("steps"));
  c.options.guidance = std::stod(m.at("guidance"));
  const auto& shape = c.file.entry("latents_in").shape;
  c.options.height = static_cast<int>(shape[2] * 8);
  c.options.width = static_cast<int>(shape[3] * 8);
  return c;
}

}  // namespace palette::test
