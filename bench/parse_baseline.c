/* parse_baseline: the speed floor of any cJSON-based NDJSON transformer.
 *
 * Why it exists: fhir2cdm-transform reads NDJSON one line at a time and parses every line with
 * cJSON before it evaluates any column.  This program does only that part -- getline() each line,
 * cJSON_ParseWithLength() it, cJSON_Delete() it -- and nothing else, so its throughput is the
 * ceiling the transformer can approach on the same machine and input.  bench/run.sh runs both in
 * one session and reports transform time / baseline time; the difference is the cost of
 * everything after parsing (column evaluation, rendering, CSV writing).
 *
 * Usage: parse_baseline <file.ndjson>...
 * Prints one tab-separated line: bytes, lines, seconds (monotonic wall clock), MB/s (10^6 B/s).
 * Exits 1 if a file cannot be read or a line is not valid JSON (blank lines are skipped).
 */
#include <cjson/cJSON.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int blank(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n') {
      return 0;
    }
  }
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s <file.ndjson>...\n", argv[0]);
    return 2;
  }
  unsigned long long bytes = 0;
  unsigned long long lines = 0;
  char *line = NULL;
  size_t cap = 0;
  int rc = 0;
  double start = now_seconds();
  for (int i = 1; i < argc && rc == 0; i++) {
    FILE *f = fopen(argv[i], "rb");
    if (f == NULL) {
      fprintf(stderr, "parse_baseline: %s: %s\n", argv[i], strerror(errno));
      rc = 1;
      break;
    }
    unsigned long long lineno = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) != -1) {
      lineno++;
      bytes += (unsigned long long)n;
      if (blank(line, (size_t)n)) {
        continue;
      }
      cJSON *doc = cJSON_ParseWithLength(line, (size_t)n);
      if (doc == NULL) {
        fprintf(stderr, "parse_baseline: %s:%llu: invalid JSON\n", argv[i], lineno);
        rc = 1;
        break;
      }
      cJSON_Delete(doc);
      lines++;
    }
    if (ferror(f)) {
      fprintf(stderr, "parse_baseline: %s: read error\n", argv[i]);
      rc = 1;
    }
    fclose(f);
  }
  double seconds = now_seconds() - start;
  free(line);
  if (rc != 0) {
    return rc;
  }
  printf("bytes\t%llu\tlines\t%llu\tseconds\t%.3f\tMB/s\t%.1f\n", bytes, lines, seconds,
         seconds > 0 ? (double)bytes / 1e6 / seconds : 0.0);
  return 0;
}
