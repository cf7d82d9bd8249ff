/* SPDX-License-Identifier: Apache-2.0 */
/* berth.c - main() of berth and berth-transfer: everything else is in cli_main(). */
#include "cli/cli.h"

int main(int argc, char **argv)
{
	return cli_main(argc, argv);
}
