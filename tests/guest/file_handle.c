/*
 * file_handle.c DIR - name_to_handle_at and open_by_handle_at (stress-ng --handle): the
 * handle of a file in DIR (too small a buffer: EOVERFLOW with the size needed), the file opened
 * again through it and read, and the errors for an oversized buffer and a missing file. Until
 * 2026-12-07 both calls were ENOSYS. Without CAP_DAC_READ_SEARCH open_by_handle_at is EPERM on
 * both sides. No fault rows of interest.
 */
#define _GNU_SOURCE
#include <fcntl.h>

#include "guest.h"

static const char *err(void)
{
    return errno == EOVERFLOW ? "EOVERFLOW"
           : errno == EINVAL  ? "EINVAL"
           : errno == ENOENT  ? "ENOENT"
           : errno == EPERM   ? "EPERM"
                              : strerror(errno);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 100;
    char path[4096];
    snprintf(path, sizeof(path), "%s/handle.txt", argv[1]);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, "by handle\n", 10) != 10)
        guest_die("file");
    close(fd);

    struct file_handle *fh = malloc(sizeof(*fh) + MAX_HANDLE_SZ);
    int mount_id = -1;
    fh->handle_bytes = 0;
    int r = name_to_handle_at(AT_FDCWD, path, fh, &mount_id, 0);
    printf("no room: %s, size needed given: %s\n", r ? err() : "ok",
           fh->handle_bytes > 0 ? "yes" : "no");
    r = name_to_handle_at(AT_FDCWD, path, fh, &mount_id, 0);
    printf("handle: %s, mount id given: %s\n", r ? err() : "ok", mount_id >= 0 ? "yes" : "no");

    int dir = open(argv[1], O_RDONLY | O_DIRECTORY);
    if (dir < 0)
        guest_die("open dir");
    fd = open_by_handle_at(dir, fh, O_RDONLY);
    if (fd < 0) {
        printf("open by handle: %s\n", err());
    } else {
        char buf[32] = {0};
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        printf("open by handle: ok, read %zd: %s", n, buf);
        close(fd);
    }

    fh->handle_bytes = MAX_HANDLE_SZ + 1;
    r = name_to_handle_at(AT_FDCWD, path, fh, &mount_id, 0);
    printf("oversized buffer: %s\n", r ? err() : "ok");
    fh->handle_bytes = MAX_HANDLE_SZ;
    snprintf(path, sizeof(path), "%s/missing", argv[1]);
    r = name_to_handle_at(AT_FDCWD, path, fh, &mount_id, 0);
    printf("missing file: %s\n", r ? err() : "ok");
    return 0;
}
