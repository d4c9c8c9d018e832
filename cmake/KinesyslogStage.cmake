# kinesyslog_stage(<name>
#   SOURCES <file.cpp>...        every source file of src/<name>/, listed
#   STAGES <stage>...            the project libraries its files include
#   PUBLIC_LIBS <target>...      third-party libraries its headers expose
#   PRIVATE_LIBS <target>...)    third-party libraries only its sources use
#
# Defines the static library kinesyslog_<name>. Its headers are reachable as "<name>/x.hpp"
# only through an include root that holds nothing but this folder, so a file can include
# another stage's header only if its library links that stage: a stage that reaches where
# it must not fails to compile. tests/architecture/check_stage_includes.py says which links
# the pipeline allows.
function(kinesyslog_stage name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "" "SOURCES;STAGES;PUBLIC_LIBS;PRIVATE_LIBS")
  add_library(kinesyslog_${name} STATIC ${ARG_SOURCES})
  set(root ${PROJECT_BINARY_DIR}/stage_include/${name})
  file(MAKE_DIRECTORY ${root})
  file(CREATE_LINK ${CMAKE_CURRENT_SOURCE_DIR} ${root}/${name} SYMBOLIC)
  target_include_directories(kinesyslog_${name} PUBLIC ${root})
  list(TRANSFORM ARG_STAGES PREPEND kinesyslog_)
  target_link_libraries(kinesyslog_${name} PUBLIC ${ARG_STAGES} ${ARG_PUBLIC_LIBS} PRIVATE ${ARG_PRIVATE_LIBS})
  if(KINESYSLOG_PRECOMPILE)
    target_precompile_headers(kinesyslog_${name} PRIVATE ${KINESYSLOG_PRECOMPILED_STD} <spdlog/spdlog.h>)
  endif()
endfunction()
