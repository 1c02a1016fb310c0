#pragma once
// Line charts written as SVG: panels with a title, labelled axes with ticks, and a legend. The
// trainer's learning curves (metrics.svg) and `glide synth-fit --plot` use it; any browser shows them.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <glide/core/error.hpp>
#include <glide/io/durable_file.hpp>

namespace glide::examples {

struct plot_series {
  std::string label;
  std::vector<double> y;  ///< one value per x; NaN leaves a gap
  std::string color;      ///< any SVG colour ("#1f77b4", "green")
};

struct plot_panel {
  std::string title, x_label, y_label;
  std::vector<double> x;
  std::vector<plot_series> series;
};

namespace detail {

inline std::string xml_escaped(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else if (c == '"') out += "&quot;";
    else out += c;
  }
  return out;
}

inline std::string number(double v) {
  char b[32];
  std::snprintf(b, sizeof b, std::abs(v) >= 1000 && std::abs(v) < 1e9 ? "%.0f" : "%.4g", v);
  return b;
}

/// About five round tick values covering [lo, hi].
inline std::vector<double> ticks(double lo, double hi) {
  const double span = hi - lo;
  const double raw = span / 5;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  std::vector<double> t;
  for (double v = std::ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) t.push_back(std::abs(v) < step * 1e-9 ? 0.0 : v);
  return t;
}

}  // namespace detail

/// Writes `panels` into one SVG file at `path`, `columns` panels a row.
inline void write_svg_plot(const std::string& path, const std::vector<plot_panel>& panels, int columns = 1, int panel_w = 640,
                           int panel_h = 220) {
  const int margin_l = 70, margin_r = 20, margin_t = 30, margin_b = 45;
  const int cell_w = panel_w + margin_l + margin_r, cell_h = panel_h + margin_t + margin_b;
  columns = std::max(1, columns);
  const int rows = (static_cast<int>(panels.size()) + columns - 1) / columns;
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(cell_w * columns) + "\" height=\"" +
                    std::to_string(cell_h * rows) + "\" font-family=\"sans-serif\" font-size=\"11\">\n";
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  for (std::size_t p = 0; p < panels.size(); ++p) {
    const auto& pn = panels[p];
    const int x0 = static_cast<int>(p % static_cast<std::size_t>(columns)) * cell_w + margin_l;
    const int y0 = static_cast<int>(p / static_cast<std::size_t>(columns)) * cell_h + margin_t;
    double xlo = 1e300, xhi = -1e300, ylo = 1e300, yhi = -1e300;
    for (double v : pn.x)
      if (std::isfinite(v)) xlo = std::min(xlo, v), xhi = std::max(xhi, v);
    for (const auto& s : pn.series)
      for (double v : s.y)
        if (std::isfinite(v)) ylo = std::min(ylo, v), yhi = std::max(yhi, v);
    svg += "<text x=\"" + std::to_string(x0 + panel_w / 2) + "\" y=\"" + std::to_string(y0 - 12) +
           "\" text-anchor=\"middle\" font-size=\"13\">" + detail::xml_escaped(pn.title) + "</text>\n";
    svg += "<rect x=\"" + std::to_string(x0) + "\" y=\"" + std::to_string(y0) + "\" width=\"" + std::to_string(panel_w) +
           "\" height=\"" + std::to_string(panel_h) + "\" fill=\"none\" stroke=\"black\"/>\n";
    svg += "<text x=\"" + std::to_string(x0 + panel_w / 2) + "\" y=\"" + std::to_string(y0 + panel_h + 36) +
           "\" text-anchor=\"middle\">" + detail::xml_escaped(pn.x_label) + "</text>\n";
    svg += "<text transform=\"translate(" + std::to_string(x0 - 52) + "," + std::to_string(y0 + panel_h / 2) +
           ") rotate(-90)\" text-anchor=\"middle\">" + detail::xml_escaped(pn.y_label) + "</text>\n";
    if (xlo > xhi || ylo > yhi) continue;  // nothing to draw
    if (xhi == xlo) xhi = xlo + 1;
    if (yhi == ylo) yhi = ylo + 1, ylo -= 1;
    const double pad = (yhi - ylo) * 0.05;
    ylo -= pad;
    yhi += pad;
    auto px = [&](double x) { return x0 + (x - xlo) / (xhi - xlo) * panel_w; };
    auto py = [&](double y) { return y0 + panel_h - (y - ylo) / (yhi - ylo) * panel_h; };
    for (double t : detail::ticks(xlo, xhi)) {
      const std::string x = detail::number(px(t));
      svg += "<line x1=\"" + x + "\" x2=\"" + x + "\" y1=\"" + std::to_string(y0 + panel_h) + "\" y2=\"" +
             std::to_string(y0 + panel_h + 5) + "\" stroke=\"black\"/><text x=\"" + x + "\" y=\"" + std::to_string(y0 + panel_h + 17) +
             "\" text-anchor=\"middle\">" + detail::number(t) + "</text>\n";
    }
    for (double t : detail::ticks(ylo, yhi)) {
      const std::string y = detail::number(py(t));
      svg += "<line x1=\"" + std::to_string(x0 - 5) + "\" x2=\"" + std::to_string(x0 + panel_w) + "\" y1=\"" + y + "\" y2=\"" + y +
             "\" stroke=\"#ddd\"/><text x=\"" + std::to_string(x0 - 8) + "\" y=\"" + y + "\" dy=\"4\" text-anchor=\"end\">" +
             detail::number(t) + "</text>\n";
    }
    int legend_y = y0 + 14;
    std::size_t labelled = 0;
    for (const auto& s : pn.series) labelled += !s.label.empty();
    std::string legend;
    if (labelled > 0)  // the legend in a box, drawn over the lines
      legend += "<rect x=\"" + std::to_string(x0 + panel_w - 156) + "\" y=\"" + std::to_string(y0 + 3) + "\" width=\"152\" height=\"" +
             std::to_string(14 * labelled + 4) + "\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#bbb\"/>\n";
    for (const auto& s : pn.series) {
      // One polyline per run of finite points.
      std::string pts;
      auto flush = [&] {
        if (!pts.empty())
          svg += "<polyline fill=\"none\" stroke=\"" + s.color + "\" stroke-width=\"1.5\" points=\"" + pts + "\"/>\n";
        pts.clear();
      };
      for (std::size_t i = 0; i < pn.x.size() && i < s.y.size(); ++i) {
        if (!std::isfinite(s.y[i]) || !std::isfinite(pn.x[i])) {
          flush();
          continue;
        }
        pts += detail::number(px(pn.x[i])) + "," + detail::number(py(s.y[i])) + " ";
      }
      flush();
      if (!s.label.empty()) {
        legend += "<line x1=\"" + std::to_string(x0 + panel_w - 150) + "\" x2=\"" + std::to_string(x0 + panel_w - 130) + "\" y1=\"" +
               std::to_string(legend_y - 4) + "\" y2=\"" + std::to_string(legend_y - 4) + "\" stroke=\"" + s.color +
               "\" stroke-width=\"2\"/><text x=\"" + std::to_string(x0 + panel_w - 125) + "\" y=\"" + std::to_string(legend_y) +
               "\">" + detail::xml_escaped(s.label) + "</text>\n";
        legend_y += 14;
      }
    }
    svg += legend;
  }
  svg += "</svg>\n";
  io::write_file_durably(path, svg, "plot");
}

}  // namespace glide::examples
