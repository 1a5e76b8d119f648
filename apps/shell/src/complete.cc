#include "complete.h"

#include <cctype>
#include <cstdint>
#include <cstring>

namespace dosql::shell {
namespace {

// Token classes of sqlite3_complete().
enum Tk : uint8_t { kSemi, kWs, kOther, kExplain, kCreate, kTemp, kTrigger, kEnd };

// States: 0 INVALID, 1 START, 2 NORMAL, 3 EXPLAIN, 4 CREATE, 5 TRIGGER, 6 SEMI, 7 END.
constexpr uint8_t kTrans[8][8] = {
    /*             SEMI WS OTHER EXPLAIN CREATE TEMP TRIGGER END */
    /* INVALID */ {1, 0, 2, 3, 4, 2, 2, 2},
    /* START   */ {1, 1, 2, 3, 4, 2, 2, 2},
    /* NORMAL  */ {1, 2, 2, 2, 2, 2, 2, 2},
    /* EXPLAIN */ {1, 3, 3, 2, 4, 2, 2, 2},
    /* CREATE  */ {1, 4, 2, 2, 2, 4, 5, 2},
    /* TRIGGER */ {6, 5, 5, 5, 5, 5, 5, 5},
    /* SEMI    */ {6, 6, 5, 5, 5, 5, 5, 7},
    /* END     */ {1, 7, 5, 5, 5, 5, 5, 5},
};

// SQLite's IdChar(): letters, digits, '_', '$' and every byte >= 0x80.
bool IdChar(unsigned char c) { return c >= 0x80 || std::isalnum(c) || c == '_' || c == '$'; }

bool WordIs(std::string_view word, const char* kw) {
  size_t n = std::strlen(kw);
  if (word.size() != n) return false;
  for (size_t i = 0; i < n; i++) {
    if (std::tolower(static_cast<unsigned char>(word[i])) != kw[i]) return false;
  }
  return true;
}

// Runs the state machine. Returns the final state, or -1 when the text ends inside a string,
// quoted identifier or block comment, and sets *in_line_comment when it ends inside "--".
int Scan(std::string_view sql, bool* ends_in_line_comment) {
  int state = 0;
  size_t i = 0;
  const size_t n = sql.size();
  *ends_in_line_comment = false;
  while (i < n && sql[i] != '\0') {
    Tk token;
    unsigned char c = static_cast<unsigned char>(sql[i]);
    switch (c) {
      case ';':
        token = kSemi;
        break;
      case ' ':
      case '\r':
      case '\t':
      case '\n':
      case '\f':
        token = kWs;
        break;
      case '/':
        if (i + 1 >= n || sql[i + 1] != '*') {
          token = kOther;
          break;
        }
        i += 2;
        while (i < n && sql[i] != '\0' && !(sql[i] == '*' && i + 1 < n && sql[i + 1] == '/')) i++;
        if (i >= n || sql[i] == '\0') return -1;
        i++;  // at the '/'
        token = kWs;
        break;
      case '-':
        if (i + 1 >= n || sql[i + 1] != '-') {
          token = kOther;
          break;
        }
        while (i < n && sql[i] != '\0' && sql[i] != '\n') i++;
        if (i >= n || sql[i] == '\0') {
          *ends_in_line_comment = true;
          return state;
        }
        token = kWs;
        break;
      case '[':
        i++;
        while (i < n && sql[i] != '\0' && sql[i] != ']') i++;
        if (i >= n || sql[i] == '\0') return -1;
        token = kOther;
        break;
      case '`':
      case '"':
      case '\'': {
        i++;
        while (i < n && sql[i] != '\0' && static_cast<unsigned char>(sql[i]) != c) i++;
        if (i >= n || sql[i] == '\0') return -1;
        token = kOther;
        break;
      }
      default:
        if (c == '$' && i + 1 < n && sql[i + 1] == '$') {
          // dosql's dollar-quoted string: $$ ... $$.
          size_t close = sql.find("$$", i + 2);
          if (close == std::string_view::npos) return -1;
          i = close + 1;  // at the second '$' of the closing pair
          token = kOther;
        } else if (IdChar(c)) {
          size_t len = 1;
          while (i + len < n && IdChar(static_cast<unsigned char>(sql[i + len]))) len++;
          std::string_view word = sql.substr(i, len);
          if (WordIs(word, "create")) {
            token = kCreate;
          } else if (WordIs(word, "trigger")) {
            token = kTrigger;
          } else if (WordIs(word, "temp") || WordIs(word, "temporary")) {
            token = kTemp;
          } else if (WordIs(word, "end")) {
            token = kEnd;
          } else if (WordIs(word, "explain")) {
            token = kExplain;
          } else {
            token = kOther;
          }
          i += len - 1;
        } else {
          token = kOther;
        }
        break;
    }
    state = kTrans[state][token];
    i++;
  }
  return state;
}

}  // namespace

bool IsCompleteSql(std::string_view sql) {
  bool line_comment = false;
  return Scan(sql, &line_comment) == 1;
}

bool IsBlankSql(std::string_view text) {
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == ' ' || (c >= '\t' && c <= '\r')) {
      i++;
    } else if (c == '-' && i + 1 < n && text[i + 1] == '-') {
      while (i < n && text[i] != '\n') i++;
    } else if (c == '/' && i + 1 < n && text[i + 1] == '*') {
      size_t close = text.find("*/", i + 2);
      if (close == std::string_view::npos) return false;
      i = close + 2;
    } else {
      return false;
    }
  }
  return true;
}

int ExplainKind(std::string_view sql) {
  static const char* kWords[] = {"explain", "query", "plan"};
  size_t i = 0;
  const size_t n = sql.size();
  int matched = 0;
  for (const char* word : kWords) {
    // Skip white space and comments.
    while (i < n) {
      unsigned char c = static_cast<unsigned char>(sql[i]);
      if (c == ' ' || (c >= '\t' && c <= '\r')) {
        i++;
      } else if (c == '-' && i + 1 < n && sql[i + 1] == '-') {
        while (i < n && sql[i] != '\n') i++;
      } else if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
        size_t close = sql.find("*/", i + 2);
        i = close == std::string_view::npos ? n : close + 2;
      } else {
        break;
      }
    }
    size_t len = 0;
    while (i + len < n && IdChar(static_cast<unsigned char>(sql[i + len]))) len++;
    if (!WordIs(sql.substr(i, len), word)) break;
    i += len;
    matched++;
  }
  return matched == 3 ? 2 : matched >= 1 ? 1 : 0;
}

}  // namespace dosql::shell
