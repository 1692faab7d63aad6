/* Test payload for tug.test=: says hello on the console and exits 7. */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	printf("payload: hello from pid %d\n", (int)getpid());
	return 7;
}
