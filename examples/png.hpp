#pragma once
// A minimal PNG writer (RGB, stored deflate blocks) and line-plot canvas with a 3x5 digit font, so
// training curves can be drawn without any image library.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <glide/core/error.hpp>

namespace glide::examples {

struct rgb {
  std::uint8_t r, g, b;
};

class canvas {
 public:
  canvas(int w, int h) : w_{w}, h_{h}, px_(static_cast<std::size_t>(w * h), rgb{255, 255, 255}) {}

  void set(int x, int y, rgb c) {
    if (x >= 0 && y >= 0 && x < w_ && y < h_) px_[static_cast<std::size_t>(y * w_ + x)] = c;
  }
  void line(int x0, int y0, int x1, int y1, rgb c) {
    const int dx = std::abs(x1 - x0), dy = -std::abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
    int err = dx + dy;
    while (true) {
      set(x0, y0, c);
      if (x0 == x1 && y0 == y1) break;
      const int e2 = 2 * err;
      if (e2 >= dy) { err += dy; x0 += sx; }
      if (e2 <= dx) { err += dx; y0 += sy; }
    }
  }
  /// Digits, '.', '-' and 'e' in a 3x5 font scaled by `s`.
  void text(int x, int y, const std::string& t, rgb c, int s = 2) {
    static const std::array<const char*, 14> glyphs{"111101101101111", "010110010010111", "111001111100111", "111001111001111",
                                                    "101101111001001", "111100111001111", "111100111101111", "111001001001001",
                                                    "111101111101111", "111101111001111", "000000000000010", "000000111000000",
                                                    "000111101110011", "000000000000000"};
    for (char ch : t) {
      int g = 13;
      if (ch >= '0' && ch <= '9') g = ch - '0';
      else if (ch == '.') g = 10;
      else if (ch == '-') g = 11;
      else if (ch == 'e') g = 12;
      for (int r = 0; r < 5; ++r)
        for (int col = 0; col < 3; ++col)
          if (glyphs[static_cast<std::size_t>(g)][r * 3 + col] == '1')
            for (int a = 0; a < s; ++a)
              for (int b = 0; b < s; ++b) set(x + col * s + a, y + r * s + b, c);
      x += 4 * s;
    }
  }

  void save(const std::string& path) const {
    std::vector<std::uint8_t> raw;
    for (int y = 0; y < h_; ++y) {
      raw.push_back(0);
      for (int x = 0; x < w_; ++x) {
        const auto& p = px_[static_cast<std::size_t>(y * w_ + x)];
        raw.insert(raw.end(), {p.r, p.g, p.b});
      }
    }
    std::vector<std::uint8_t> z{0x78, 0x01};
    deflate_fixed(raw, z);
    std::uint32_t a = 1, b = 0;
    for (auto v : raw) {
      a = (a + v) % 65521;
      b = (b + a) % 65521;
    }
    const std::uint32_t adler = (b << 16) | a;
    z.insert(z.end(), {static_cast<std::uint8_t>(adler >> 24), static_cast<std::uint8_t>(adler >> 16),
                       static_cast<std::uint8_t>(adler >> 8), static_cast<std::uint8_t>(adler)});
    std::ofstream out{path, std::ios::binary};
    if (!out) throw io_error("cannot write image '" + path + "'");
    out.write("\x89PNG\r\n\x1a\n", 8);
    std::vector<std::uint8_t> ihdr;
    put32(ihdr, static_cast<std::uint32_t>(w_));
    put32(ihdr, static_cast<std::uint32_t>(h_));
    ihdr.insert(ihdr.end(), {8, 2, 0, 0, 0});
    chunk(out, "IHDR", ihdr);
    chunk(out, "IDAT", z);
    chunk(out, "IEND", {});
  }

 private:
  // One fixed-Huffman deflate block (RFC 1951, 3.2.6) whose only matches repeat the previous pixel
  // (distance 3): plots are mostly runs of one colour, so this is enough to make them small.
  static void deflate_fixed(const std::vector<std::uint8_t>& in, std::vector<std::uint8_t>& out) {
    std::uint32_t bits = 0;
    int count = 0;
    auto put = [&](std::uint32_t v, int n) {  // LSB first
      bits |= v << count;
      count += n;
      while (count >= 8) {
        out.push_back(static_cast<std::uint8_t>(bits));
        bits >>= 8;
        count -= 8;
      }
    };
    auto put_code = [&](std::uint32_t code, int n) {  // Huffman codes go MSB first
      std::uint32_t r = 0;
      for (int i = 0; i < n; ++i) r |= ((code >> i) & 1U) << (n - 1 - i);
      put(r, n);
    };
    auto literal = [&](std::uint32_t v) {
      if (v < 144) put_code(0x30 + v, 8);
      else put_code(0x190 + (v - 144), 9);
    };
    static constexpr int base[29] = {3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59,
                                     67, 83, 99, 115, 131, 163, 195, 227, 258};
    static constexpr int extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
    put(1, 1);  // final block
    put(1, 2);  // fixed Huffman codes
    std::size_t i = 0;
    while (i < in.size()) {
      std::size_t run = 0;
      if (i >= 3)
        while (run < 258 && i + run < in.size() && in[i + run] == in[i + run - 3]) ++run;
      if (run < 3) {
        literal(in[i++]);
        continue;
      }
      int k = 28;
      while (base[k] > static_cast<int>(run)) --k;
      const std::uint32_t symbol = 257 + static_cast<std::uint32_t>(k);
      if (symbol < 280) put_code(symbol - 256, 7);
      else put_code(0xC0 + (symbol - 280), 8);
      put(static_cast<std::uint32_t>(static_cast<int>(run) - base[k]), extra[k]);
      put_code(2, 5);  // distance 3
      i += run;
    }
    put_code(0, 7);  // end of block
    if (count > 0) out.push_back(static_cast<std::uint8_t>(bits));
  }

  static void put32(std::vector<std::uint8_t>& v, std::uint32_t x) {
    v.insert(v.end(), {static_cast<std::uint8_t>(x >> 24), static_cast<std::uint8_t>(x >> 16),
                       static_cast<std::uint8_t>(x >> 8), static_cast<std::uint8_t>(x)});
  }
  static std::uint32_t crc(const std::vector<std::uint8_t>& data) {
    std::uint32_t c = 0xFFFFFFFFU;
    for (auto byte : data) {
      c ^= byte;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320U ^ (c >> 1) : c >> 1;
    }
    return c ^ 0xFFFFFFFFU;
  }
  static void chunk(std::ofstream& out, const char* type, const std::vector<std::uint8_t>& data) {
    std::vector<std::uint8_t> len;
    put32(len, static_cast<std::uint32_t>(data.size()));
    out.write(reinterpret_cast<const char*>(len.data()), 4);
    std::vector<std::uint8_t> body(type, type + 4);
    body.insert(body.end(), data.begin(), data.end());
    out.write(reinterpret_cast<const char*>(body.data()), static_cast<std::streamsize>(body.size()));
    std::vector<std::uint8_t> c;
    put32(c, crc(body));
    out.write(reinterpret_cast<const char*>(c.data()), 4);
  }

  int w_, h_;
  std::vector<rgb> px_;
};

/// Draws series (x, y) pairs into a panel of the canvas with min/max labels.
inline void plot_panel(canvas& cv, int x0, int y0, int w, int h, const std::vector<double>& xs,
                       const std::vector<std::vector<double>>& series, const std::vector<rgb>& colors) {
  cv.line(x0, y0 + h, x0 + w, y0 + h, {0, 0, 0});
  cv.line(x0, y0, x0, y0 + h, {0, 0, 0});
  if (xs.empty()) return;
  double lo = 1e300, hi = -1e300;
  for (const auto& s : series)
    for (double v : s)
      if (std::isfinite(v)) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
  if (lo > hi) return;
  if (hi == lo) hi = lo + 1;
  const double xmin = xs.front(), xmax = xs.back() > xs.front() ? xs.back() : xs.front() + 1;
  auto px = [&](double x) { return x0 + static_cast<int>((x - xmin) / (xmax - xmin) * w); };
  auto py = [&](double y) { return y0 + h - static_cast<int>((y - lo) / (hi - lo) * h); };
  for (std::size_t k = 0; k < series.size(); ++k)
    for (std::size_t i = 1; i < xs.size() && i < series[k].size(); ++i)
      if (std::isfinite(series[k][i - 1]) && std::isfinite(series[k][i]))
        cv.line(px(xs[i - 1]), py(series[k][i - 1]), px(xs[i]), py(series[k][i]), colors[k % colors.size()]);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", hi);
  cv.text(x0 + 4, y0 + 2, buf, {0, 0, 0});
  std::snprintf(buf, sizeof buf, "%.3g", lo);
  cv.text(x0 + 4, y0 + h - 14, buf, {0, 0, 0});
  std::snprintf(buf, sizeof buf, "%.0f", xmax);
  cv.text(x0 + w - 40, y0 + h + 4, buf, {0, 0, 0});
}

}  // namespace glide::examples
