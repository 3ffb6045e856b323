/* chos-rules.c: the pure part of the selection rules (docs/selection.md) in C: the name check and the reading of ~/.chos's bytes. No I/O. */
#include "chos-common.h"

#include <string.h>

static int name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '+' || c == '-';
}

const char *chos_name_problem(const char *s, size_t len)
{
	size_t i;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!name_char(c) || (i == 0 && (c == '.' || c == '-')))
			return CHOS_WHY_CHARS;
	}
	return len > CHOS_NAME_MAX ? CHOS_WHY_LONG : NULL;
}

int chos_name_valid(const char *name)
{
	return name != NULL && name[0] != '\0' && chos_name_problem(name, strlen(name)) == NULL;
}

static int blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

int chos_user_file_name(const char *buf, size_t n, char *out, size_t outlen, const char **why)
{
	size_t a = 0, b = 0;
	if (n > CHOS_FILE_MAX)
		n = CHOS_FILE_MAX;
	while (b < n && buf[b] != '\n')
		b++;
	while (a < b && blank(buf[a]))
		a++;
	while (b > a && blank(buf[b - 1]))
		b--;
	if (a == b)
		return 0;
	*why = chos_name_problem(buf + a, b - a);
	if (*why == NULL && b - a >= outlen)
		*why = CHOS_WHY_LONG;
	if (*why != NULL)
		return CHOS_INVALID_NAME;
	memcpy(out, buf + a, b - a);
	out[b - a] = '\0';
	return 1;
}
