/*
 * thread_cwd - threads share their process's working directory and umask (CLONE_FS, as
 * pthread_create asks for): a chdir or umask in one thread is what the others see at once, a
 * forked child's are its own. Takes a scratch directory as argv[1].
 *
 * A second thread waits on a barrier while the main thread changes directory and umask, then
 * opens a file by a relative name, asks getcwd and creates a file; a forked child changes
 * directory and the parent's stays. Prints one line per property; the same natively and under
 * faultline.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_barrier_t barrier;
static char subdir[PATH_MAX + 64];

static void *other_thread(void *arg)
{
    (void)arg;
    pthread_barrier_wait(&barrier); /* the main thread changes directory and umask */
    pthread_barrier_wait(&barrier);
    char cwd[4096];
    int fd = open("marker", O_RDONLY);
    printf("thread: opens the file by its relative name: %s\n", fd >= 0 ? "yes" : "no");
    if (fd >= 0)
        close(fd);
    printf("thread: getcwd is the new directory: %s\n",
           getcwd(cwd, sizeof(cwd)) && !strcmp(cwd, subdir) ? "yes" : "no");
    int nf = open("made_by_thread", O_CREAT | O_WRONLY, 0666);
    if (nf >= 0)
        close(nf);
    char made[2 * PATH_MAX];
    struct stat st;
    snprintf(made, sizeof(made), "%s/made_by_thread", subdir);
    if (stat(made, &st) == 0)
        printf("thread: its new file is in the new directory, mode %03o\n",
               (unsigned)st.st_mode & 0777);
    else
        printf("thread: its new file is not in the new directory\n");
    unlink("made_by_thread");
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: thread_cwd SCRATCH_DIR\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IONBF, 0);
    char base[PATH_MAX], marker[2 * PATH_MAX];
    if (!realpath(argv[1], base) || strlen(base) > PATH_MAX - 64)
        return 2;
    snprintf(subdir, sizeof(subdir), "%s/thread_cwd.d", base);
    mkdir(subdir, 0755);
    snprintf(marker, sizeof(marker), "%s/marker", subdir);
    close(open(marker, O_CREAT | O_WRONLY, 0644));
    if (chdir(base))
        return 2;

    pthread_t t;
    pthread_barrier_init(&barrier, NULL, 2);
    pthread_create(&t, NULL, other_thread, NULL);
    pthread_barrier_wait(&barrier);
    chdir(subdir);
    umask(027);
    pthread_barrier_wait(&barrier);
    pthread_join(t, NULL);

    pid_t pid = fork();
    if (pid == 0) {
        chdir("/");
        umask(077);
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    char cwd[4096];
    printf("main: a child's chdir left ours: %s\n",
           getcwd(cwd, sizeof(cwd)) && !strcmp(cwd, subdir) ? "yes" : "no");
    mode_t old = umask(0);
    printf("main: a child's umask left ours: %03o\n", (unsigned)old);
    unlink("marker");
    chdir(base);
    rmdir(subdir);
    return 0;
}
