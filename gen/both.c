#include "both.h"

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <unistd.h>

struct job {
	both_fn *fn;
	void *arg;
};

static void *run_job(void *p)
{
	struct job *j = p;
	j->fn(j->arg);
	return NULL;
}

void both_run(both_fn *here, void *here_arg, both_fn *there, void *there_arg)
{
	struct job far = {there, there_arg};
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_t t;
	bool threaded = pthread_create(&t, NULL, run_job, &far) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	here(here_arg);
	if (threaded)
		pthread_join(t, NULL);
	else
		there(there_arg);
}

bool both_worthwhile(size_t rules)
{
	return rules >= 4096 && sysconf(_SC_NPROCESSORS_ONLN) > 1;
}
