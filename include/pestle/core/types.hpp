#pragma once
// Small fixed-size vector types shared by every layer. Eigen's 3-vectors and 3x3
// matrices have no alignment requirement, so they live safely in std::vector.
#include <Eigen/Dense>

namespace pestle {

using Vec3 = Eigen::Vector3d;
using Mat3 = Eigen::Matrix3d;  ///< for cells: rows are the lattice vectors a, b, c

}  // namespace pestle
