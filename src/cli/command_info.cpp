// `palette info`: what this build is and which devices it can use.
#include <torch/torch.h>

#include <iostream>

#include "cli/commands.h"
#include "palette/version.h"

namespace palette::cli {

void add_info_command(CLI::App& root) {
  CLI::App* cmd = root.add_subcommand("info", "Show the engine version, LibTorch version and usable devices");
  cmd->callback([] {
    std::cout << "Semantic Palette " << version() << "\n"
              << "LibTorch          " << torch_version() << "\n"
              << "CPU threads       " << at::get_num_threads() << "\n";
    if (torch::cuda::is_available()) {
      std::cout << "CUDA devices      " << static_cast<int>(torch::cuda::device_count())
                << (torch::cuda::cudnn_is_available() ? " (cuDNN available)" : "") << "\n";
    } else {
      std::cout << "CUDA devices      none (CPU only)\n";
    }
  });
}

}  // namespace palette::cli
