#include "node/testing.h"

#include <chrono>
#include <cmath>
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "core/lm.h"
#include "core/models/gaussian.h"
#include "core/models/gaussian_pixel.h"
#include "core/models/profile.h"
#include "core/models/shm.h"
#include "core/models/shm_psf.h"
#include "core/profile_fit.h"
#include "core/profile_fit_internal.h"
#include "node/common.h"

namespace ioncam_node {

namespace {

using ioncam::model::Profile;
constexpr int kTestMaxPeaks = 5;

// Reads an array of finite numbers (Array or Float64Array); throws a TypeError otherwise.
bool ReadNumbers(const Napi::Env& env, const Napi::Value& v, const char* name, std::vector<double>* out) {
  out->clear();
  if (v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_float64_array) {
    Napi::Float64Array a = v.As<Napi::Float64Array>();
    out->assign(a.Data(), a.Data() + a.ElementLength());
  } else if (v.IsArray()) {
    Napi::Array a = v.As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); ++i) {
      Napi::Value e = a.Get(i);
      if (!e.IsNumber()) {
        Napi::TypeError::New(env, std::string(name) + "[" + std::to_string(i) + "] must be a number")
            .ThrowAsJavaScriptException();
        return false;
      }
      out->push_back(e.As<Napi::Number>().DoubleValue());
    }
  } else {
    Napi::TypeError::New(env, std::string(name) + " must be an array of numbers or a Float64Array")
        .ThrowAsJavaScriptException();
    return false;
  }
  for (size_t i = 0; i < out->size(); ++i) {
    if (!std::isfinite((*out)[i])) {
      Napi::TypeError::New(env, std::string(name) + "[" + std::to_string(i) + "] must be finite")
          .ThrowAsJavaScriptException();
      return false;
    }
  }
  return true;
}

// Calls fn(profile) with the named model ('gaussian', 'gaussian-pixel', 'shm', 'shm-psf') and
// the given number of peaks; false (and a thrown error) for unknown names or peak counts.
template <class Fn>
bool WithModel(const Napi::Env& env, const std::string& name, int peaks, Fn&& fn) {
  if (peaks < 1 || peaks > kTestMaxPeaks) {
    Napi::RangeError::New(env, "peaks must be an integer in [1, " + std::to_string(kTestMaxPeaks) + "]")
        .ThrowAsJavaScriptException();
    return false;
  }
  if (name == "gaussian") {
    Profile<ioncam::model::GaussianPeak, kTestMaxPeaks> m;
    m.peaks = peaks;
    fn(m);
  } else if (name == "gaussian-pixel") {
    Profile<ioncam::model::GaussianPixelPeak, kTestMaxPeaks> m;
    m.peaks = peaks;
    fn(m);
  } else if (name == "shm") {
    Profile<ioncam::model::ShmPeak, kTestMaxPeaks> m;
    m.peaks = peaks;
    fn(m);
  } else if (name == "shm-psf") {
    Profile<ioncam::model::ShmPsfPeak, kTestMaxPeaks> m;
    m.peaks = peaks;
    fn(m);
  } else {
    Napi::TypeError::New(env, "model must be one of gaussian, gaussian-pixel, shm, shm-psf, got " + name)
        .ThrowAsJavaScriptException();
    return false;
  }
  return true;
}

// A {x, y, width, height} ROI that must lie inside the frame; false (and a thrown RangeError) otherwise.
bool ReadRoiInFrame(const Napi::Env& env, const Napi::Object& r, const ioncam::FrameView& frame, ioncam::Roi* roi) {
  const int x = static_cast<int>(GetNumber(r, "x", 0)), y = static_cast<int>(GetNumber(r, "y", 0));
  const int w = static_cast<int>(GetNumber(r, "width", 0)), h = static_cast<int>(GetNumber(r, "height", 0));
  if (x < 0 || y < 0 || w < 1 || h < 1 || x + w > frame.width || y + h > frame.height) {
    Napi::RangeError::New(env, "roi must lie inside the frame").ThrowAsJavaScriptException();
    return false;
  }
  *roi = {x, y, w, h};
  return true;
}

int ReadPeaks(const Napi::Value& v) {
  if (v.IsUndefined()) return 1;
  if (!v.IsNumber()) return -1;
  const double d = v.As<Napi::Number>().DoubleValue();
  return d == std::floor(d) ? static_cast<int>(d) : -1;
}

bool CheckParamCount(const Napi::Env& env, const char* what, size_t got, int want) {
  if (static_cast<int>(got) == want) return true;
  Napi::RangeError::New(env, std::string(what) + " must have " + std::to_string(want) + " values, got " +
                                 std::to_string(got))
      .ThrowAsJavaScriptException();
  return false;
}

// evalModel(model, x[], params[], peaks = 1, { chunked? }) -> { value: number[], jacobian: number[][] }
// (per point; chunked: through eval_chunk, the path the LM core takes)
Napi::Value EvalModel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) {
    Napi::TypeError::New(env, "model must be a string").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::vector<double> x, p;
  if (!ReadNumbers(env, info[1], "x", &x) || !ReadNumbers(env, info[2], "params", &p)) return env.Undefined();
  const bool chunked = info.Length() > 4 && info[4].IsObject() && info[4].As<Napi::Object>().Get("chunked").ToBoolean();
  Napi::Object out = Napi::Object::New(env);
  WithModel(env, info[0].As<Napi::String>().Utf8Value(), ReadPeaks(info[3]), [&](const auto& m) {
    if (!CheckParamCount(env, "params", p.size(), m.num_params())) return;
    Napi::Array values = Napi::Array::New(env, x.size());
    Napi::Array jac = Napi::Array::New(env, x.size());
    using M = std::decay_t<decltype(m)>;
    if (chunked) {  // the profile path of the LM core: chunks of up to kChunk points
      double v[ioncam::model::kChunk], g[ioncam::model::kChunk * M::kMaxParams];
      for (size_t i0 = 0; i0 < x.size(); i0 += ioncam::model::kChunk) {
        const int count = static_cast<int>(std::min<size_t>(ioncam::model::kChunk, x.size() - i0));
        m.eval_chunk(x.data() + i0, count, p.data(), v, g);
        for (int j = 0; j < count; ++j) {
          values.Set(static_cast<uint32_t>(i0 + j), v[j]);
          jac.Set(static_cast<uint32_t>(i0 + j), ToArray(env, g + j * M::kMaxParams, p.size()));
        }
      }
    } else {
      double grad[M::kMaxParams];
      for (size_t i = 0; i < x.size(); ++i) {
        values.Set(static_cast<uint32_t>(i), m.eval(x[i], p.data(), grad));
        jac.Set(static_cast<uint32_t>(i), ToArray(env, grad, p.size()));
      }
    }
    out.Set("value", values);
    out.Set("jacobian", jac);
  });
  return env.IsExceptionPending() ? env.Undefined() : out;
}

// fitProfile(model, x[], y[], p0[], lower[], upper[], options?) with options
// { peaks?, maxIterations?, ftol?, xtol?, gtol? } -> { params, errors, converged, status, iterations, cost }
Napi::Value FitProfile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) {
    Napi::TypeError::New(env, "model must be a string").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::vector<double> x, y, p0, lo, hi;
  if (!ReadNumbers(env, info[1], "x", &x) || !ReadNumbers(env, info[2], "y", &y) ||
      !ReadNumbers(env, info[3], "p0", &p0) || !ReadNumbers(env, info[4], "lower", &lo) ||
      !ReadNumbers(env, info[5], "upper", &hi)) {
    return env.Undefined();
  }
  if (x.size() != y.size()) {
    Napi::RangeError::New(env, "x and y must have the same length").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  ioncam::LmSettings settings;
  int peaks = 1;
  if (info.Length() > 6 && info[6].IsObject()) {
    Napi::Object o = info[6].As<Napi::Object>();
    peaks = ReadPeaks(o.Get("peaks"));
    settings.max_iterations = static_cast<int>(GetNumber(o, "maxIterations", settings.max_iterations));
    settings.ftol = GetNumber(o, "ftol", settings.ftol);
    settings.xtol = GetNumber(o, "xtol", settings.xtol);
    settings.gtol = GetNumber(o, "gtol", settings.gtol);
  }
  Napi::Object out = Napi::Object::New(env);
  WithModel(env, info[0].As<Napi::String>().Utf8Value(), peaks, [&](const auto& m) {
    const int np = m.num_params();
    if (!CheckParamCount(env, "p0", p0.size(), np) || !CheckParamCount(env, "lower", lo.size(), np) ||
        !CheckParamCount(env, "upper", hi.size(), np)) {
      return;
    }
    for (int a = 0; a < np; ++a) {
      if (!(lo[a] <= hi[a])) {
        Napi::RangeError::New(env, "lower[" + std::to_string(a) + "] > upper[" + std::to_string(a) + "]")
            .ThrowAsJavaScriptException();
        return;
      }
    }
    std::vector<double> p = p0, err(np);
    const ioncam::LmResult r =
        ioncam::lm_fit(m, x.data(), y.data(), static_cast<int>(x.size()), p.data(), lo.data(), hi.data(), settings,
                       err.data());
    out.Set("params", ToArray(env, p.data(), np));
    out.Set("errors", ToArray(env, err.data(), np));
    out.Set("converged", r.converged);
    out.Set("status", r.status);
    out.Set("iterations", r.iterations);
    out.Set("cost", r.cost);
  });
  return env.IsExceptionPending() ? env.Undefined() : out;
}

// fitIons(frame, detections [{x, y}] in full-frame pixels, options?) with options
// { model?: 'shm-psf' | 'shm' | 'gaussian', legacyWindows?: boolean, roi?: {x, y, width, height} }
// -> IonResult[] in full-frame pixels: the fit stage alone, on given positions.
Napi::Value FitIons(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ioncam::FrameView frame;
  if (!ReadFrame(env, info[0], &frame, nullptr)) return env.Undefined();
  if (!info[1].IsArray()) {
    Napi::TypeError::New(env, "detections must be an array of {x, y}").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  ioncam::AnalyzeOptions opts;
  opts.roi = {0, 0, frame.width, frame.height};
  opts.fit.saturation = ioncam::saturation_level(frame.type);
  if (info.Length() > 2 && info[2].IsObject()) {
    Napi::Object o = info[2].As<Napi::Object>();
    Napi::Value model = o.Get("model");
    if (model.IsString()) {
      const std::string name = model.As<Napi::String>().Utf8Value();
      if (name == "shm") {
        opts.fit.model = ioncam::VerticalModel::Shm;
      } else if (name == "gaussian") {
        opts.fit.model = ioncam::VerticalModel::Gaussian;
      } else if (name != "shm-psf") {
        Napi::TypeError::New(env, "model must be shm-psf, shm or gaussian").ThrowAsJavaScriptException();
        return env.Undefined();
      }
    }
    Napi::Value lw = o.Get("legacyWindows");
    if (lw.IsBoolean()) opts.fit.legacy_windows = lw.As<Napi::Boolean>().Value();
    Napi::Value roi = o.Get("roi");
    if (roi.IsObject() && !ReadRoiInFrame(env, roi.As<Napi::Object>(), frame, &opts.roi)) return env.Undefined();
  }
  Napi::Array arr = info[1].As<Napi::Array>();
  std::vector<ioncam::Detection> dets;
  for (uint32_t i = 0; i < arr.Length(); ++i) {
    Napi::Value v = arr.Get(i);
    if (!v.IsObject()) {
      Napi::TypeError::New(env, "detections[" + std::to_string(i) + "] must be {x, y}").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    const double x = GetNumber(v.As<Napi::Object>(), "x", NAN) - opts.roi.x;
    const double y = GetNumber(v.As<Napi::Object>(), "y", NAN) - opts.roi.y;
    if (!(x >= 0 && y >= 0 && x <= opts.roi.width - 1 && y <= opts.roi.height - 1)) {
      Napi::RangeError::New(env, "detections[" + std::to_string(i) + "] must be a position inside the roi")
          .ThrowAsJavaScriptException();
      return env.Undefined();
    }
    dets.push_back({x, y});
  }
  const ioncam::Image roi = ioncam::crop_to_float(frame, opts.roi);
  ioncam::AnalyzeResult result;
  for (size_t i = 0; i < dets.size(); ++i) {
    ioncam::IonFit fit = ioncam::fit_ion(roi, dets, i, opts.fit);
    fit.x0 += opts.roi.x;
    fit.y0 += opts.roi.y;
    result.ions.push_back(fit);
    result.detections.push_back({dets[i].x + opts.roi.x, dets[i].y + opts.roi.y});
  }
  return ResultToJs(env, result, opts).Get("ions");
}

// gaussianFitBench(fits, points = 41) -> { fits, seconds, iterations, converged }: the LM core
// alone (default fit settings) on synthetic noisy Gaussian profiles (peak 1000 over 50,
// noise +-10) from good starts. For bench/core.mjs.
Napi::Value GaussianFitBench(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const double count = info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : 0;
  const double points = info.Length() > 1 && info[1].IsNumber() ? info[1].As<Napi::Number>().DoubleValue() : 41;
  if (!(count >= 1 && count <= 1e9) || !(points >= 8 && points <= 10000)) {
    Napi::RangeError::New(env, "fits must be in [1, 1e9] and points in [8, 10000]").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const int n = static_cast<int>(points);
  constexpr int kProfiles = 64;
  Profile<ioncam::model::GaussianPeak, 1> m;
  std::vector<double> x(n), ys(static_cast<size_t>(kProfiles) * n), starts(kProfiles * 4);
  uint64_t state = 12345;
  auto uniform = [&state]() {  // xorshift64*: reproducible noise without <random>
    state ^= state >> 12, state ^= state << 25, state ^= state >> 27;
    return static_cast<double>((state * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
  };
  for (int i = 0; i < n; ++i) x[i] = i;
  double grad[4];
  for (int k = 0; k < kProfiles; ++k) {
    const double truth[4] = {n / 2.0 + uniform() - 0.5, 2.0 + uniform(), 1000, 50};
    for (int i = 0; i < n; ++i) ys[static_cast<size_t>(k) * n + i] = m.eval(x[i], truth, grad) + 10 * (2 * uniform() - 1);
    // Good starts, as the pipeline has them: the detector's sub-pixel position (+-0.2 px),
    // width and height within +-5 % (e.g. from the previous frame), offset within +-5 %.
    starts[k * 4 + 0] = truth[0] + 0.4 * (uniform() - 0.5);
    starts[k * 4 + 1] = truth[1] * (1 + 0.1 * (uniform() - 0.5));
    starts[k * 4 + 2] = truth[2] * (1 + 0.1 * (uniform() - 0.5));
    starts[k * 4 + 3] = truth[3] * (1 + 0.1 * (uniform() - 0.5));
  }
  const double lo[4] = {0, 0.2, 0, 0}, hi[4] = {static_cast<double>(n), n / 2.0, 1e5, 1e4};
  const ioncam::LmSettings settings = ioncam::profile_fit_settings();
  const long total = static_cast<long>(count);
  long iterations = 0, converged = 0;
  double checksum = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (long f = 0; f < total; ++f) {
    const int k = static_cast<int>(f % kProfiles);
    double p[4] = {starts[k * 4], starts[k * 4 + 1], starts[k * 4 + 2], starts[k * 4 + 3]}, err[4];
    const ioncam::LmResult r = ioncam::lm_fit(m, x.data(), ys.data() + static_cast<size_t>(k) * n, n, p, lo, hi, settings, err);
    iterations += r.iterations;
    converged += r.converged;
    checksum += p[0] + err[0];
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  Napi::Object out = Napi::Object::New(env);
  out.Set("fits", static_cast<double>(total));
  out.Set("seconds", seconds);
  out.Set("iterations", static_cast<double>(iterations) / total);
  out.Set("converged", static_cast<double>(converged) / total);
  out.Set("checksum", checksum);
  return out;
}

// legacySetup(frame, {x, y} in roi pixels, roi?) -> { horizontal, vertical } each
// { window: [lo, hi), p0, lower, upper } in ROI coordinates (as the fixtures' intended_fit), or
// null when the legacy returns zeros.
Napi::Value LegacySetupJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ioncam::FrameView frame;
  if (!ReadFrame(env, info[0], &frame, nullptr)) return env.Undefined();
  if (!info[1].IsObject()) {
    Napi::TypeError::New(env, "detection must be {x, y}").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  ioncam::Roi roi{0, 0, frame.width, frame.height};
  if (info.Length() > 2 && info[2].IsObject() && !ReadRoiInFrame(env, info[2].As<Napi::Object>(), frame, &roi)) {
    return env.Undefined();
  }
  const double x = GetNumber(info[1].As<Napi::Object>(), "x", NAN), y = GetNumber(info[1].As<Napi::Object>(), "y", NAN);
  if (!(x >= 0 && y >= 0 && x <= roi.width - 1 && y <= roi.height - 1)) {
    Napi::RangeError::New(env, "detection must lie inside the roi").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const ioncam::Image img = ioncam::crop_to_float(frame, roi);
  ioncam::LegacySetup setup;
  if (!ioncam::legacy_setup(img, x, y, &setup)) return env.Null();
  auto profile = [&](const ioncam::LegacyProfile& p) {
    Napi::Object o = Napi::Object::New(env);
    const double window[2] = {static_cast<double>(p.lo), static_cast<double>(p.hi)};
    o.Set("window", ToArray(env, window, 2));
    o.Set("p0", ToArray(env, p.p0, 4));
    o.Set("lower", ToArray(env, p.lower, 4));
    o.Set("upper", ToArray(env, p.upper, 4));
    return o;
  };
  Napi::Object out = Napi::Object::New(env);
  out.Set("horizontal", profile(setup.horizontal));
  out.Set("vertical", profile(setup.vertical));
  return out;
}

}  // namespace

void RegisterTesting(Napi::Env env, Napi::Object exports) {
  Napi::Object t = Napi::Object::New(env);
  t.Set("evalModel", Napi::Function::New(env, EvalModel, "evalModel"));
  t.Set("fitProfile", Napi::Function::New(env, FitProfile, "fitProfile"));
  t.Set("fitIons", Napi::Function::New(env, FitIons, "fitIons"));
  t.Set("legacySetup", Napi::Function::New(env, LegacySetupJs, "legacySetup"));
  t.Set("gaussianFitBench", Napi::Function::New(env, GaussianFitBench, "gaussianFitBench"));
  exports.Set("testing", t);
}

}  // namespace ioncam_node
