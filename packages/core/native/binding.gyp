{
  "targets": [
    {
      "target_name": "kindling_native",
      "sources": [
        "src/addon.cc",
        "src/cpu.cc",
        "src/threads.cc",
        "src/gemm.cc",
        "src/gemm_avx512.cc",
        "src/gemm_avx2.cc",
        "src/gemm_generic.cc",
        "src/elementwise.cc",
        "src/im2col.cc",
        "src/optim.cc",
        "src/conv.cc",
        "src/layer_norm.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc!": ["-std=gnu++17", "-std=gnu++1y"],
      "cflags_cc": ["-std=c++17", "-O3", "-fno-math-errno", "-fno-trapping-math", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "ldflags": ["-pthread"],
      "cflags": ["-pthread"],
      "xcode_settings": {
        "OTHER_CPLUSPLUSFLAGS": ["-std=c++17", "-O3", "-fno-math-errno", "-fno-trapping-math"],
        "MACOSX_DEPLOYMENT_TARGET": "11.0"
      },
      "msvs_settings": {
        "VCCLCompilerTool": { "AdditionalOptions": ["/std:c++17", "/O2"] }
      }
    }
  ]
}
