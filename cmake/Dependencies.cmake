# Finds the project's chosen libraries.  Each missing one stops configuration with the Debian
# package that provides it, so a fresh machine needs exactly one apt-get line (see README).
find_package(PkgConfig)
if(NOT PKG_CONFIG_FOUND)
  message(FATAL_ERROR "pkg-config not found: apt-get install pkg-config")
endif()

# fhir2cdm_pkg(<target> <pkg-config module> <Debian package>)
function(fhir2cdm_pkg target module debpkg)
  pkg_check_modules(${target} QUIET IMPORTED_TARGET GLOBAL ${module})
  if(NOT ${target}_FOUND)
    message(FATAL_ERROR "Missing library '${module}': apt-get install ${debpkg}")
  endif()
  add_library(dep::${target} ALIAS PkgConfig::${target})
endfunction()

# fhir2cdm_lib(<target> <header> <library name> <Debian package>) for libraries Debian ships
# without a pkg-config file (libcsv, libunistring).
function(fhir2cdm_lib target header libname debpkg)
  find_path(${target}_INCLUDE_DIR ${header})
  find_library(${target}_LIBRARY ${libname})
  if(NOT ${target}_INCLUDE_DIR OR NOT ${target}_LIBRARY)
    message(FATAL_ERROR "Missing library '${libname}' (${header}): apt-get install ${debpkg}")
  endif()
  add_library(dep::${target} UNKNOWN IMPORTED GLOBAL)
  set_target_properties(dep::${target} PROPERTIES IMPORTED_LOCATION "${${target}_LIBRARY}"
                        INTERFACE_INCLUDE_DIRECTORIES "${${target}_INCLUDE_DIR}")
endfunction()

fhir2cdm_pkg(cjson libcjson libcjson-dev)
fhir2cdm_pkg(yaml yaml-0.1 libyaml-dev)
fhir2cdm_pkg(curl libcurl libcurl4-openssl-dev)
fhir2cdm_pkg(pcre2 libpcre2-8 libpcre2-dev)
fhir2cdm_pkg(xxhash libxxhash libxxhash-dev)
fhir2cdm_pkg(zlib zlib zlib1g-dev)
fhir2cdm_pkg(crypto libcrypto libssl-dev)
fhir2cdm_pkg(expat expat libexpat1-dev)
fhir2cdm_pkg(zstd libzstd libzstd-dev)
fhir2cdm_pkg(snappy snappy libsnappy-dev)
fhir2cdm_lib(csv csv.h csv libcsv-dev)
fhir2cdm_lib(unistring unistr.h unistring libunistring-dev)

pkg_check_modules(cmocka QUIET IMPORTED_TARGET GLOBAL cmocka)
