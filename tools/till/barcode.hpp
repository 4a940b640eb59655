// Code 128 and QR codes drawn as SVG for the till's receipts and customer display.
// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <string_view>

namespace till {

/// The symbologies the till draws: the protocol's footer `codeType` values.
enum class Symbology { code128, qrcode };

/// True when this build can draw barcodes (libzint was found at configure time).
bool barcodes_available() noexcept;

/// Draws `data` as a `symbology` symbol, black on white with its quiet zones, as a standalone
/// SVG document whose modules are `module_px` pixels wide. Returns false, with the reason in
/// `error`, when the data cannot be encoded (e.g. a code128 character outside Latin-1, or no
/// barcode support in this build).
bool barcode_svg(Symbology symbology, std::string_view data, int module_px, std::string& svg,
                 std::string& error);

} // namespace till
