// Compiled mode (PESTLE_COMPILED_RUNTIME, target pestle::runtime): the one definition of each dense
// decomposition of math/dense_solvers.hpp, compiled once for every program that links pestle::runtime.
#define PESTLE_DENSE_DEFINITIONS
#include "pestle/math/dense/hermitian_eigen.hpp"
#include "pestle/math/dense/jacobi_svd.hpp"
#include "pestle/math/dense/lu.hpp"
#include "pestle/math/dense/qr.hpp"
#include "pestle/math/dense/svd.hpp"
#include "pestle/math/dense/symmetric_eigen.hpp"
