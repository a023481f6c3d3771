#include <stdio.h>

int main(void)
{
	fputs("bc-genleak: not implemented yet\n", stderr);
	return 2;
}
