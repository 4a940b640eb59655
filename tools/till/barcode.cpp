// Code 128 and QR codes drawn as SVG through libzint's vector output.
// SPDX-License-Identifier: MIT
#include "barcode.hpp"

#include <cstdio>
#include <memory>

#ifdef MPLUS_WEBHOOKS_TILL_ZINT
#include <zint.h>
#endif

namespace till {

#ifdef MPLUS_WEBHOOKS_TILL_ZINT

bool barcodes_available() noexcept {
    return true;
}

namespace {

/// A number as SVG writes it: at most two decimals, no trailing zeros.
std::string svg_number(double v) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.2f", v);
    std::string s = buffer;
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
}

struct SymbolDeleter {
    void operator()(zint_symbol* s) const noexcept { ZBarcode_Delete(s); }
};

} // namespace

bool barcode_svg(Symbology symbology, std::string_view data, int module_px, std::string& svg,
                 std::string& error) {
    if (data.empty()) {
        error = "nothing to encode";
        return false;
    }
    std::unique_ptr<zint_symbol, SymbolDeleter> symbol(ZBarcode_Create());
    if (!symbol) {
        error = "out of memory";
        return false;
    }
    symbol->symbology = symbology == Symbology::qrcode ? BARCODE_QRCODE : BARCODE_CODE128;
    symbol->input_mode = UNICODE_MODE;
    symbol->show_hrt = 0; // the page writes the text itself, in its own font
    symbol->output_options = BARCODE_QUIET_ZONES;
    symbol->scale = 0.5f; // vector coordinates in modules (zint doubles the scale for vectors)
    if (symbology == Symbology::code128) symbol->height = 40.0f;
    const int rc = ZBarcode_Encode_and_Buffer_Vector(
        symbol.get(), reinterpret_cast<const unsigned char*>(data.data()),
        static_cast<int>(data.size()), 0);
    if (rc >= ZINT_ERROR || symbol->vector == nullptr) {
        error = symbol->errtxt[0] != '\0' ? symbol->errtxt : "cannot encode";
        return false;
    }
    const zint_vector& v = *symbol->vector;
    const double px = module_px > 0 ? module_px : 2;
    svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + svg_number(v.width * px) +
          "\" height=\"" + svg_number(v.height * px) + "\" viewBox=\"0 0 " + svg_number(v.width) +
          ' ' + svg_number(v.height) +
          "\" shape-rendering=\"crispEdges\"><rect width=\"100%\" height=\"100%\" "
          "fill=\"#fff\"/><path fill=\"#000\" d=\"";
    for (const zint_vector_rect* r = v.rectangles; r != nullptr; r = r->next) {
        if (r->colour > 0 && r->colour != 7) continue; // only foreground (and black) modules
        svg += 'M' + svg_number(r->x) + ' ' + svg_number(r->y) + 'h' + svg_number(r->width) + 'v' +
               svg_number(r->height) + 'h' + svg_number(-r->width) + 'z';
    }
    svg += "\"/></svg>";
    return true;
}

#else

bool barcodes_available() noexcept {
    return false;
}

bool barcode_svg(Symbology, std::string_view, int, std::string&, std::string& error) {
    error = "this build draws no barcodes (libzint was not found)";
    return false;
}

#endif

} // namespace till
