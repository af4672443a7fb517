# Debian's xsimd 8 CMake target lists "xtl" as a link dependency although xsimd needs it
# only for optional xtl complex types. Without a target of that name the linker looks
# for a non-existent libxtl; an empty interface target satisfies it.
if(NOT TARGET xtl)
  add_library(xtl INTERFACE IMPORTED)
endif()
