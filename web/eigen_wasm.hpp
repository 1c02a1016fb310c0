#pragma once
// Force-included (-include) into the WebAssembly build's C++ that reads Eigen (c/glide_c.cpp, by
// scripts/build-web.sh).
#if defined(__EMSCRIPTEN__) && defined(__SSE2__)
// Built with -msse4.1 (scripts/build-web.sh), emscripten maps SSE intrinsics to WebAssembly SIMD and
// Eigen 3.4 takes its SSE kernels. Its matrix-product kernel holds two empty asm statements ("+x,m",
// a register-spilling hint for gcc) that the WebAssembly target cannot take; they do nothing, so
// Eigen's headers are read once here with asm statements removed. The standard headers come first,
// whole.
#include <algorithm>
#include <cassert>
#include <cfloat>
#include <climits>
#include <cmath>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iosfwd>
#include <limits>
#include <new>
#include <type_traits>
#include <emmintrin.h>
#include <pmmintrin.h>
#include <smmintrin.h>
#include <tmmintrin.h>
#include <xmmintrin.h>
// Below gcc 6.3, Eigen's SSE min/max are asm statements too, which must not be removed.
#if !defined(__GNUC__) || __GNUC__ * 10 + __GNUC_MINOR__ < 63
#error "build with -fgnuc-version=10.2 (scripts/build-web.sh): Eigen's SSE min/max would be asm"
#endif
#define __asm__(...)
#include <Eigen/Dense>
#include <unsupported/Eigen/SpecialFunctions>
#undef __asm__
#endif

