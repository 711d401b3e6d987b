{
  "targets": [
    {
      "target_name": "ioncam",
      "variables": {
        "ioncam_jpeg": "<!(node -p \"['/usr/include', '/usr/local/include', '/opt/homebrew/include'].some((d) => require('fs').existsSync(d + '/jpeglib.h')) ? 1 : 0\")"
      },
      "sources": [
        "addon/core/frame.cc",
        "addon/core/blur.cc",
        "addon/core/contours.cc",
        "addon/core/background.cc",
        "addon/core/detect_legacy.cc",
        "addon/core/detect_peaks.cc",
        "addon/core/detect_roi.cc",
        "addon/core/peak_position.cc",
        "addon/core/profile_fit.cc",
        "addon/core/profile_fit_legacy.cc",
        "addon/core/shm_psf_errors.cc",
        "addon/core/analyze.cc",
        "addon/core/batch_fit.cc",
        "addon/node/batch.cc",
        "addon/node/binding.cc",
        "addon/node/common.cc",
        "addon/node/gpu.cc",
        "addon/node/pipeline.cc",
        "addon/node/testing.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "addon", "."],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-O3", "-fno-math-errno", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "xcode_settings": { "CLANG_CXX_LANGUAGE_STANDARD": "c++17", "GCC_ENABLE_CPP_EXCEPTIONS": "YES" },
      "conditions": [
        ["ioncam_jpeg==1", { "sources": ["addon/node/jpeg.cc"], "defines": ["IONCAM_WITH_JPEG"], "libraries": ["-ljpeg"] }]
      ]
    }
  ]
}
