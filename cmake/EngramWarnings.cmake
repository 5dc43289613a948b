# One place for the warning set, applied per target with engram_warnings(<target>).
function(engram_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
                         -Wnon-virtual-dtor -Wimplicit-fallthrough)
endfunction()
