/*
 * hostfile.c - the page cache's backing store: host files read and written with pread/pwrite
 * on the model's own dup of the guest's fd.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "emu/fdtable.h"
#include "emu/hostfile.h"
#include "kernel_model/mm.h"

struct hostfile {
    int fd;
};

static int host_readpage(struct address_space *m, pgoff_t index, void *buf)
{
    struct hostfile *hf = m->host;
    size_t done = 0;
    while (done < PAGE_SIZE) {
        ssize_t n = pread(hf->fd, (char *)buf + done, PAGE_SIZE - done,
                          ((off_t)index << PAGE_SHIFT) + done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (n == 0)
            break;
        done += n;
    }
    memset((char *)buf + done, 0, PAGE_SIZE - done); /* past EOF reads as zeroes */
    return 0;
}

static int host_writepage(struct address_space *m, pgoff_t index, const void *buf, size_t len)
{
    struct hostfile *hf = m->host;
    size_t done = 0;
    while (done < len) {
        ssize_t n = pwrite(hf->fd, (const char *)buf + done, len - done,
                           ((off_t)index << PAGE_SHIFT) + done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        done += n;
    }
    return 0;
}

static void host_release(struct address_space *m)
{
    struct hostfile *hf = m->host;
    if (hf) {
        close(hf->fd);
        free(hf);
    }
}

/* Which pages of [index, index + nr) the host kernel caches: mincore(2) on a host mapping of
 * them, which neither reads the pages nor changes the host's cache. When the host cannot tell
 * (the mmap fails), every page is answered "not cached", so the model's own rule applies. */
static void host_cached(struct address_space *m, pgoff_t index, unsigned long nr,
                        unsigned char *vec)
{
    struct hostfile *hf = m->host;
    size_t len = nr << PAGE_SHIFT;
    void *addr = mmap(NULL, len, PROT_READ, MAP_SHARED, hf->fd, (off_t)index << PAGE_SHIFT);
    memset(vec, 0, nr);
    if (addr == MAP_FAILED)
        return;
    if (mincore(addr, len, vec))
        memset(vec, 0, nr);
    for (unsigned long i = 0; i < nr; i++)
        vec[i] &= 1;
    munmap(addr, len);
}

static int host_punch_hole(struct address_space *m, pgoff_t index, unsigned long nr)
{
    struct hostfile *hf = m->host;
    if (fallocate(hf->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)index << PAGE_SHIFT,
                  (off_t)nr << PAGE_SHIFT))
        return -errno;
    return 0;
}

static const struct address_space_operations host_aops = {
    .readpage = host_readpage,
    .writepage = host_writepage,
    .release = host_release,
    .host_cached = host_cached,
    .punch_hole = host_punch_hole,
};

/* What changes when anyone writes the file: its size and its modification and change times. */
static uint64_t host_stamp(const struct stat *st)
{
    uint64_t mt = (uint64_t)st->st_mtim.tv_sec * 1000000000u + (uint64_t)st->st_mtim.tv_nsec;
    uint64_t ct = (uint64_t)st->st_ctim.tv_sec * 1000000000u + (uint64_t)st->st_ctim.tv_nsec;
    return mt ^ (ct * 0x9E3779B97F4A7C15ULL) ^ ((uint64_t)st->st_size << 17);
}

bool hostfile_in_memory(int hostfd)
{
    struct statfs sfs;
    return fstatfs(hostfd, &sfs) == 0 && sfs.f_type == TMPFS_MAGIC;
}

struct file *hostfile_map_file(int hostfd, const char *path, bool readable, bool writable)
{
    struct stat st;
    if (fstat(hostfd, &st))
        return NULL;
    if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
        errno = ENODEV;
        return NULL;
    }
    struct hostfile *hf = malloc(sizeof(*hf));
    if (!hf)
        return NULL;
    /* Writable mappings need a writable host fd for write-back; the guest's fd says whether
     * the guest may write, so reopen through /proc/self/fd with the same rights. */
    char proc_path[64];
    snprintf(proc_path, sizeof(proc_path), "/proc/self/fd/%d", hostfd);
    hf->fd = open(proc_path, writable ? O_RDWR | O_CLOEXEC : O_RDONLY | O_CLOEXEC);
    if (hf->fd < 0)
        hf->fd = fcntl(hostfd, F_DUPFD_CLOEXEC, 0);
    if (hf->fd < 0) {
        free(hf);
        return NULL;
    }
    /* The name /proc/PID/maps and the log show is the file's canonical path, as Linux's d_path
     * gives it (symlinks such as /bin -> usr/bin resolved, " (deleted)" for an unlinked file),
     * which the host's link for the fd is. */
    char canon[PATH_MAX];
    ssize_t cn = readlink(proc_path, canon, sizeof(canon) - 1);
    if (cn > 0 && canon[0] == '/') {
        canon[cn] = 0;
        path = canon;
    }
    struct address_space *m =
        address_space_get(st.st_dev, st.st_ino, st.st_size, host_stamp(&st), path, &host_aops, hf);
    if (!m) {
        close(hf->fd);
        free(hf);
        return NULL;
    }
    /* on the host's tmpfs (a memfd, /dev/shm): Linux's shmem, whose misses are holes or pages in
     * memory, never major faults (only a swap-in is) */
    m->in_memory = hostfile_in_memory(hf->fd);
    if (m->host != hf) {
        /* The file was already cached. Keep the more capable fd for write-back. */
        struct hostfile *old = m->host;
        if (writable && old && (fcntl(old->fd, F_GETFL) & O_ACCMODE) != O_RDWR) {
            m->host = hf;
            close(old->fd);
            free(old);
        } else {
            close(hf->fd);
            free(hf);
        }
    }
    struct file *f = file_open_mapping(m, readable, writable);
    if (!f) {
        address_space_put(m);
        return NULL;
    }
    /* The cache may have been made under another name (a linker's temporary file since
     * renamed, another hard link): this open's name is its own. */
    if (path && strcmp(path, m->path) != 0)
        file_set_path(f, path);
    return f;
}

void hostfile_refresh_names(struct mm_struct *mm)
{
    static const char deleted[] = " (deleted)";

    for (struct vm_area_struct *v = mm ? mm->mmap : NULL; v; v = v->vm_next) {
        struct file *f = v->vm_file;
        if (!f || f->f_mapping->a_ops != &host_aops)
            continue;
        struct address_space *m = f->f_mapping;
        const char *name = f->f_path ? f->f_path : m->path;
        size_t len = strlen(name);
        struct stat st;
        if (len >= sizeof(deleted) - 1 && !strcmp(name + len - (sizeof(deleted) - 1), deleted))
            continue; /* gone for good */
        if (stat(name, &st) == 0 && st.st_dev == m->dev && st.st_ino == m->ino)
            continue; /* still there under this name */
        /* renamed or unlinked since: the host's d_path of the mapping's own fd */
        const struct hostfile *hf = m->host;
        char proc_path[64], now[PATH_MAX];
        snprintf(proc_path, sizeof(proc_path), "/proc/self/fd/%d", hf->fd);
        ssize_t n = readlink(proc_path, now, sizeof(now) - 1);
        if (n > 0 && now[0] == '/') {
            now[n] = 0;
            file_set_path(f, now);
        }
    }
}

/* By the identity taken at open: most files read and written are never mapped, and then the
 * calls below cost the host nothing. */
static struct address_space *hostfile_cached(const struct ofd *o)
{
    return o->ino ? find_mapping(o->dev, o->ino) : NULL;
}

bool hostfile_writably_mapped(const struct ofd *o)
{
    struct address_space *m = hostfile_cached(o);
    return m && mapping_writably_mapped(m);
}

void hostfile_sync_before_io(const struct ofd *o)
{
    struct address_space *m = hostfile_cached(o);

    if (m)
        filemap_sync_before_read(m);
}

void hostfile_after_write(const struct ofd *o, int64_t off, uint64_t len)
{
    struct address_space *m = hostfile_cached(o);
    struct stat st;

    if (!m)
        return;
    if (off < 0) /* the write ended at the file offset */
        off = (int64_t)lseek(o->hostfd, 0, SEEK_CUR) - (int64_t)len;
    if (off >= 0 && fstat(o->hostfd, &st) == 0)
        filemap_host_write(m, (uint64_t)off, len, st.st_size);
}

void hostfile_after_fallocate(const struct ofd *o, int mode, uint64_t off, uint64_t len)
{
    struct address_space *m = hostfile_cached(o);
    struct stat st;

    if (!m || fstat(o->hostfd, &st) != 0)
        return;
    uint64_t size = (uint64_t)st.st_size, old = m->i_size;
    uint64_t end = off + len;
    if (mode & (FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_INSERT_RANGE))
        end = size > old ? size : old;
    /* nothing is cached past both ends of the file: a punch of a huge range (which the host
     * allows past EOF) must not visit every page index in it */
    uint64_t lim = size > old ? size : old;
    if (end > lim || end < off)
        end = lim;
    filemap_host_truncate(m, size); /* a collapse shrinks the file: its tail leaves the cache */
    if (end > off)
        filemap_host_write(m, off, end - off, size);
}

void hostfile_after_truncate(const struct ofd *o)
{
    struct address_space *m = hostfile_cached(o);
    struct stat st;

    if (m && fstat(o->hostfd, &st) == 0)
        filemap_host_truncate(m, st.st_size);
}

void hostfile_after_truncate_path(const char *path)
{
    struct stat st;
    struct address_space *m = NULL;

    if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
        m = find_mapping(st.st_dev, st.st_ino);
    if (m)
        filemap_host_truncate(m, st.st_size);
}
