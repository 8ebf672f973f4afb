// `palette info [MODEL]`: what this build is and which devices it can use; with a model, what the
// model is (family, layout, per-component architecture, stored dtypes, parameter counts).
#include <torch/torch.h>

#include <iostream>

#include "cli/commands.h"
#include "cli/model_options.h"
#include "palette/model.h"
#include "palette/version.h"

namespace palette::cli {

namespace {

void print_build() {
  std::cout << "Semantic Palette " << version() << "\n"
            << "LibTorch          " << torch_version() << "\n"
            << "CPU threads       " << at::get_num_threads() << "\n";
  if (torch::cuda::is_available()) {
    std::cout << "CUDA devices      " << static_cast<int>(torch::cuda::device_count())
              << (torch::cuda::cudnn_is_available() ? " (cuDNN available)" : "") << "\n";
  } else {
    std::cout << "CUDA devices      none (CPU only)\n";
  }
}

void print_model(const ModelInfo& info) {
  std::cout << "Family            " << info.family << "\n"
            << "Format            " << info.format << "\n"
            << "Loaded on         " << info.device << " as " << info.dtype << "\n";
  for (const auto& c : info.components) {
    std::printf("%-17s %11lld parameters, stored %s\n", c.name.c_str(), static_cast<long long>(c.parameters),
                c.stored_dtype.empty() ? "?" : c.stored_dtype.c_str());
    std::cout << "                  " << c.architecture << "\n                  from " << c.source << "\n";
  }
  for (const auto& l : info.loras) std::cout << "LoRA              " << l << "\n";
}

}  // namespace

void add_info_command(CLI::App& root) {
  CLI::App* cmd = root.add_subcommand("info", "Show the engine and its devices, or what a model is (palette info MODEL)");
  auto model = std::make_shared<std::string>();
  auto args = std::make_shared<ModelArgs>();
  cmd->add_option("model", *model, "A diffusers folder or a single .safetensors checkpoint");
  add_model_options(*cmd, *args);
  cmd->callback([model, args] {
    if (model->empty()) return print_build();
    ModelArgs a = *args;
    if (a.device == "auto") a.device = "cpu";  // inspecting needs no GPU
    print_model(Model::load(*model, to_model_options(a)).info());
  });
}

}  // namespace palette::cli
