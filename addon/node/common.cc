#include "node/common.h"

#include "node/gpu.h"
#ifdef IONCAM_WITH_CUDA
#include "cuda/blur.h"
#endif

#include <algorithm>
#include <cmath>

namespace ioncam_node {

double GetNumber(const Napi::Object& obj, const char* key, double fallback) {
  Napi::Value v = obj.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : fallback;
}

Napi::Array ToArray(const Napi::Env& env, const double* v, size_t n) {
  Napi::Array a = Napi::Array::New(env, n);
  for (size_t i = 0; i < n; ++i) a.Set(static_cast<uint32_t>(i), v[i]);
  return a;
}

bool ReadFrame(const Napi::Env& env, const Napi::Value& value, ioncam::FrameView* frame, Napi::Object* keep) {
  if (!value.IsObject()) {
    Napi::TypeError::New(env, "frame must be an object { width, height, data }").ThrowAsJavaScriptException();
    return false;
  }
  Napi::Object obj = value.As<Napi::Object>();
  Napi::Value data = obj.Get("data");
  if (!data.IsTypedArray()) {
    Napi::TypeError::New(env, "frame.data must be a Uint8Array, Uint16Array or Float32Array").ThrowAsJavaScriptException();
    return false;
  }
  Napi::TypedArray arr = data.As<Napi::TypedArray>();
  switch (arr.TypedArrayType()) {
    case napi_uint8_array:
    case napi_uint8_clamped_array:
      frame->type = ioncam::PixelType::U8;
      break;
    case napi_uint16_array:
      frame->type = ioncam::PixelType::U16;
      break;
    case napi_float32_array:
      frame->type = ioncam::PixelType::F32;
      break;
    default:
      Napi::TypeError::New(env, "frame.data must be a Uint8Array, Uint16Array or Float32Array").ThrowAsJavaScriptException();
      return false;
  }
  const double w = GetNumber(obj, "width", -1), h = GetNumber(obj, "height", -1);
  if (!(w >= 1 && h >= 1) || w != std::floor(w) || h != std::floor(h) ||
      static_cast<double>(arr.ElementLength()) != w * h) {
    Napi::TypeError::New(env, "frame.width * frame.height must equal frame.data.length").ThrowAsJavaScriptException();
    return false;
  }
  frame->width = static_cast<int>(w);
  frame->height = static_cast<int>(h);
  frame->data = static_cast<const uint8_t*>(arr.ArrayBuffer().Data()) + arr.ByteOffset();
  if (keep) *keep = obj;
  return true;
}

bool ReadAnalyzeOptions(const Napi::Env& env, const Napi::Value& value, const ioncam::FrameView& frame,
                        ioncam::AnalyzeOptions* opts) {
  if (!value.IsObject()) {
    Napi::TypeError::New(env, "options must be an object").ThrowAsJavaScriptException();
    return false;
  }
  Napi::Object o = value.As<Napi::Object>();
  // Clamp the ROI to the frame: the wrapper rejects ROIs fully outside, this is the last guard.
  const int x0 = std::clamp(static_cast<int>(GetNumber(o, "roiX", 0)), 0, frame.width);
  const int y0 = std::clamp(static_cast<int>(GetNumber(o, "roiY", 0)), 0, frame.height);
  const int x1 = std::clamp(static_cast<int>(GetNumber(o, "roiX", 0) + GetNumber(o, "roiWidth", frame.width)), x0, frame.width);
  const int y1 = std::clamp(static_cast<int>(GetNumber(o, "roiY", 0) + GetNumber(o, "roiHeight", frame.height)), y0, frame.height);
  opts->roi = {x0, y0, x1 - x0, y1 - y0};
  opts->level = std::clamp(static_cast<int>(GetNumber(o, "analysis", 2)), 0, 2);
  const double radius = GetNumber(o, "radius", 20);
  opts->detect.radius = (radius > 0 && std::isfinite(radius)) ? radius : 20;
  opts->detect.detector = static_cast<int>(GetNumber(o, "detector", 0)) == 1 ? ioncam::Detector::Legacy : ioncam::Detector::Peaks;
  const int model = static_cast<int>(GetNumber(o, "model", 0));
  opts->fit.model = model == 1 ? ioncam::VerticalModel::Shm : model == 2 ? ioncam::VerticalModel::Gaussian : ioncam::VerticalModel::ShmPsf;
  opts->fit.legacy_windows = opts->detect.detector == ioncam::Detector::Legacy;
  Napi::Value lw = o.Get("legacyWindows");
  if (lw.IsBoolean()) opts->fit.legacy_windows = lw.As<Napi::Boolean>().Value();
  bool gpu_ok = true;
  const bool use_gpu = ChooseGpu(env, ReadGpuMode(o), static_cast<size_t>(opts->roi.width) * opts->roi.height,
                                 kGpuMinFramePixels, &gpu_ok);
#ifdef IONCAM_WITH_CUDA
  if (use_gpu) opts->gpu_filter = ioncam::gpu::symmetric_filter_gpu;
#endif
  if (gpu_ok) CountJob(use_gpu);
  return gpu_ok;
}

namespace {
Napi::Object IonToJs(const Napi::Env& env, const ioncam::IonFit& f) {
  Napi::Object ion = Napi::Object::New(env);
  ion.Set("x0", f.x0);
  ion.Set("y0", f.y0);
  ion.Set("sigmaX", f.sigma_x);
  ion.Set("rY", f.r_y);
  if (f.has_sigma_y) ion.Set("sigmaY", f.sigma_y);
  ion.Set("ampX", f.amp_x);
  ion.Set("ampY", f.amp_y);
  ion.Set("offsetX", f.offset_x);
  ion.Set("offsetY", f.offset_y);
  Napi::Object err = Napi::Object::New(env);
  static const char* kNames[8] = {"x0", "y0", "sigmaX", "rY", "ampX", "ampY", "offsetX", "offsetY"};
  for (int k = 0; k < 8; ++k) err.Set(kNames[k], f.err[k]);
  if (f.has_sigma_y) err.Set("sigmaY", f.err_sigma_y);
  ion.Set("errors", err);
  ion.Set("converged", f.converged);
  ion.Set("iterations", f.iterations);
  return ion;
}
}  // namespace

Napi::Object ResultToJs(const Napi::Env& env, const ioncam::AnalyzeResult& r, const ioncam::AnalyzeOptions&) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("ionCount", static_cast<double>(r.detections.size()));
  Napi::Array ions = Napi::Array::New(env);
  for (size_t i = 0; i < r.detections.size(); ++i) {
    if (i < r.ions.size()) {
      ions.Set(static_cast<uint32_t>(i), IonToJs(env, r.ions[i]));
    } else {
      // Detection only (analysis 1): the position, fit fields zero and converged false.
      ioncam::IonFit bare;
      bare.x0 = r.detections[i].x;
      bare.y0 = r.detections[i].y;
      ions.Set(static_cast<uint32_t>(i), IonToJs(env, bare));
    }
  }
  out.Set("ions", ions);
  Napi::Object det = Napi::Object::New(env);
  det.Set("lMax", r.stats.l_max);
  det.Set("lAvg", r.stats.l_avg);
  det.Set("threshold", r.stats.threshold);
  det.Set("blobs", r.stats.blobs);
  out.Set("detection", det);
  Napi::Object t = Napi::Object::New(env);
  t.Set("detectMs", r.detect_ms);
  t.Set("fitMs", r.fit_ms);
  t.Set("totalMs", r.total_ms);
  out.Set("timings", t);
  return out;
}

}  // namespace ioncam_node
