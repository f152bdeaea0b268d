/*
 * fs_test.h - the main() every cmocka test executable uses.
 *
 * CMake registers each cmocka_unit_test(NAME) of a test_*.c file as its own
 * ctest, running "test_x NAME"; with no argument every case runs.
 */
#ifndef FS_TEST_H
#define FS_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define FS_TEST_MAIN(tests)						\
int									\
main(int argc, char **argv)						\
{									\
	if (argc > 1)							\
		cmocka_set_test_filter(argv[1]);			\
	return cmocka_run_group_tests(tests, NULL, NULL);		\
}

#endif /* FS_TEST_H */
