// In-tree compiled mode (PESTLE_EXTERN_KERNELS; core/compiled.hpp): the one instantiation of the
// run-time-sized descriptor classes that the model readers, the fitters, the CLI and the tests share.
#include "pestle/descriptors/ace_descriptor.hpp"
#include "pestle/descriptors/bispectrum.hpp"
#include "pestle/descriptors/soap.hpp"

namespace pestle {
template class Bispectrum<dynamic, xsimd::default_arch>;
template class BasicAceDescriptor<AceDynamicShape>;
template class Soap<QuipGaussRadial>;
}  // namespace pestle
