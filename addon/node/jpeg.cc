#include "node/jpeg.h"

#include <csetjmp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include <jerror.h>
#include <jpeglib.h>

namespace ioncam_node {

namespace {

struct ErrorManager {
  jpeg_error_mgr pub;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
  bool truncated;
};

void OnFatal(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

void OnMessage(j_common_ptr cinfo, int level) {
  // Warnings are tolerated, except data ending early: a truncated frame is an error, as for PNG.
  if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) reinterpret_cast<ErrorManager*>(cinfo->err)->truncated = true;
}

struct Decoded {
  int width = 0;
  int height = 0;
  bool too_big = false;
  std::unique_ptr<uint8_t[]> pixels;
  std::string error;
};

// No C++ object with a destructor may be created between setjmp and a longjmp back to it:
// the output buffer lives in `out`, owned by the caller.
void DecodeGrey(const uint8_t* data, size_t size, double max_pixels, Decoded* out) {
  jpeg_decompress_struct cinfo;
  ErrorManager err;
  cinfo.err = jpeg_std_error(&err.pub);
  err.pub.error_exit = OnFatal;
  err.pub.emit_message = OnMessage;
  err.truncated = false;
  if (setjmp(err.jump)) {
    out->error = err.message;
    jpeg_destroy_decompress(&cinfo);
    return;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(&cinfo, TRUE);
  out->width = static_cast<int>(cinfo.image_width);
  out->height = static_cast<int>(cinfo.image_height);
  // Decided from the header, before any pixel buffer exists.
  if (static_cast<double>(cinfo.image_width) * cinfo.image_height > max_pixels) {
    out->too_big = true;
    jpeg_destroy_decompress(&cinfo);
    return;
  }
  // YCbCr -> Y is the BT.601 luma that OpenCV's grey conversion gives; grey JPEGs pass through.
  cinfo.out_color_space = JCS_GRAYSCALE;
  jpeg_start_decompress(&cinfo);
  const size_t stride = cinfo.output_width;
  out->pixels.reset(new uint8_t[stride * cinfo.output_height]);
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = out->pixels.get() + stride * cinfo.output_scanline;
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  if (err.truncated) {
    out->pixels.reset();
    out->error = "Premature end of JPEG file";
  }
}

class JpegWorker : public Napi::AsyncWorker {
 public:
  JpegWorker(Napi::Env env, Napi::Uint8Array input, double max_pixels)
      : Napi::AsyncWorker(env, "ioncam.decodeJpeg"),
        deferred_(Napi::Promise::Deferred::New(env)),
        data_(input.Data()),
        size_(input.ByteLength()),
        max_pixels_(max_pixels) {
    // Keeps the encoded bytes alive while the worker thread reads them.
    input_ref_ = Napi::Persistent(input.As<Napi::Object>());
  }

  Napi::Promise Promise() const { return deferred_.Promise(); }

  void Execute() override { DecodeGrey(data_, size_, max_pixels_, &out_); }

  void OnOK() override {
    Napi::Env env = Env();
    if (!out_.error.empty()) {
      deferred_.Reject(Napi::Error::New(env, "JPEG: " + out_.error).Value());
      return;
    }
    Napi::Object result = Napi::Object::New(env);
    result.Set("width", out_.width);
    result.Set("height", out_.height);
    if (out_.too_big) {
      result.Set("tooBig", true);
    } else {
      const size_t bytes = static_cast<size_t>(out_.width) * out_.height;
      result.Set("data", Napi::Buffer<uint8_t>::Copy(env, out_.pixels.get(), bytes));
    }
    deferred_.Resolve(result);
  }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference input_ref_;
  const uint8_t* data_;
  size_t size_;
  double max_pixels_;
  Decoded out_;
};

void OnFatalCompress(j_common_ptr cinfo) { OnFatal(cinfo); }

struct Encoded {
  unsigned char* bytes = nullptr;
  unsigned long size = 0;
  std::string error;
  ~Encoded() { std::free(bytes); }
};

// Same rule as DecodeGrey: nothing with a destructor between setjmp and longjmp.
void EncodeRgb(const uint8_t* pixels, int width, int height, int channels, int quality, Encoded* out) {
  jpeg_compress_struct cinfo;
  ErrorManager err;
  cinfo.err = jpeg_std_error(&err.pub);
  err.pub.error_exit = OnFatalCompress;
  err.pub.emit_message = OnMessage;
  if (setjmp(err.jump)) {
    out->error = err.message;
    jpeg_destroy_compress(&cinfo);
    return;
  }
  jpeg_create_compress(&cinfo);
  jpeg_mem_dest(&cinfo, &out->bytes, &out->size);
  cinfo.image_width = static_cast<JDIMENSION>(width);
  cinfo.image_height = static_cast<JDIMENSION>(height);
  cinfo.input_components = channels;
  cinfo.in_color_space = channels == 3 ? JCS_RGB : JCS_GRAYSCALE;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, quality, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  const size_t stride = static_cast<size_t>(width) * channels;
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = const_cast<JSAMPROW>(pixels + stride * cinfo.next_scanline);
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
}

class EncodeWorker : public Napi::AsyncWorker {
 public:
  EncodeWorker(Napi::Env env, Napi::Uint8Array pixels, int width, int height, int channels, int quality)
      : Napi::AsyncWorker(env, "ioncam.encodeJpeg"),
        deferred_(Napi::Promise::Deferred::New(env)),
        pixels_(pixels.Data()),
        width_(width),
        height_(height),
        channels_(channels),
        quality_(quality) {
    pixels_ref_ = Napi::Persistent(pixels.As<Napi::Object>());
  }

  Napi::Promise Promise() const { return deferred_.Promise(); }

  void Execute() override { EncodeRgb(pixels_, width_, height_, channels_, quality_, &out_); }

  void OnOK() override {
    if (!out_.error.empty()) {
      deferred_.Reject(Napi::Error::New(Env(), "JPEG: " + out_.error).Value());
      return;
    }
    deferred_.Resolve(Napi::Buffer<uint8_t>::Copy(Env(), out_.bytes, out_.size));
  }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference pixels_ref_;
  const uint8_t* pixels_;
  int width_, height_, channels_, quality_;
  Encoded out_;
};

// Checks encodeJpeg's arguments; throws a TypeError and returns false when they are wrong.
bool ReadEncodeArgs(const Napi::CallbackInfo& info, int* w, int* h, int* c, int* q) {
  bool ok = info.Length() >= 5 && info[0].IsTypedArray() &&
            info[0].As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array;
  for (size_t i = 1; ok && i < 5; ++i) ok = info[i].IsNumber();
  if (ok) {
    *w = info[1].As<Napi::Number>().Int32Value();
    *h = info[2].As<Napi::Number>().Int32Value();
    *c = info[3].As<Napi::Number>().Int32Value();
    *q = info[4].As<Napi::Number>().Int32Value();
    ok = *w >= 1 && *h >= 1 && *w <= 65535 && *h <= 65535 && (*c == 1 || *c == 3) && *q >= 1 && *q <= 100 &&
         info[0].As<Napi::Uint8Array>().ByteLength() == static_cast<size_t>(*w) * *h * *c;
  }
  if (!ok) {
    Napi::TypeError::New(info.Env(), "encodeJpeg(pixels: Uint8Array, width, height, channels: 1 | 3, quality: 1..100), pixels.length = width * height * channels")
        .ThrowAsJavaScriptException();
  }
  return ok;
}

// The same on the calling thread (the result writer's own thread).
Napi::Value EncodeJpegSync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int w, h, c, q;
  if (!ReadEncodeArgs(info, &w, &h, &c, &q)) return env.Undefined();
  Encoded out;
  EncodeRgb(info[0].As<Napi::Uint8Array>().Data(), w, h, c, q, &out);
  if (!out.error.empty()) {
    Napi::Error::New(env, "JPEG: " + out.error).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  return Napi::Buffer<uint8_t>::Copy(env, out.bytes, out.size);
}

Napi::Value EncodeJpeg(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int w, h, c, q;
  if (!ReadEncodeArgs(info, &w, &h, &c, &q)) return env.Undefined();
  auto* worker = new EncodeWorker(env, info[0].As<Napi::Uint8Array>(), w, h, c, q);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Value DecodeJpeg(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array ||
      !info[1].IsNumber()) {
    Napi::TypeError::New(env, "decodeJpeg(buffer: Uint8Array, maxPixels: number)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  auto* worker = new JpegWorker(env, info[0].As<Napi::Uint8Array>(), info[1].As<Napi::Number>().DoubleValue());
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace

void RegisterJpeg(Napi::Env env, Napi::Object exports) {
  exports.Set("decodeJpeg", Napi::Function::New(env, DecodeJpeg, "decodeJpeg"));
  exports.Set("encodeJpeg", Napi::Function::New(env, EncodeJpeg, "encodeJpeg"));
  exports.Set("encodeJpegSync", Napi::Function::New(env, EncodeJpegSync, "encodeJpegSync"));
}

}  // namespace ioncam_node
