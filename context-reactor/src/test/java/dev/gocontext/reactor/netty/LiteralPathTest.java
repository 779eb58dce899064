package dev.gocontext.reactor.netty;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import reactor.netty.http.HttpOperations;

/**
 * {@code GoContextHttpServer.literalPath}, the shortcut that spares most requests the URI parse of
 * {@code fullPath()}: wherever it answers, it answers what Reactor Netty's own path resolution
 * ({@link HttpOperations#resolvePath}, behind {@code fullPath()}) answers.
 */
class LiteralPathTest {
    private static final List<String> URIS = List.of(
            "/",
            "/hello",
            "/orders/42?expand=items&x=%zz",
            "/a#fragment",
            "/a?b#c",
            "/a#b?c",
            "//double/slash",
            "/a;matrix=1/b",
            "/~user/it's(fine)*+,$&=:@!-._",
            "/a%20b",
            "/caf%C3%A9",
            "/a%2Fb",
            "/a b",
            "/[x]",
            "/caf\u00e9",
            "/a|b",
            "/a\\b",
            "/a\"b",
            "/a{b}",
            "/%",
            "/?",
            "/#",
            "http://example.com/x",
            "*",
            "");

    @Test
    void answersWhatFullPathAnswersWhereverItAnswers() {
        for (String uri : URIS) {
            String literal = GoContextHttpServer.literalPath(uri);
            if (literal != null) {
                assertThat(literal).as("path of %s", uri).isEqualTo(HttpOperations.resolvePath(uri));
            }
        }
    }

    @Test
    void answersForPlainPathsWithOrWithoutQuery() {
        assertThat(GoContextHttpServer.literalPath("/")).isEqualTo("/");
        assertThat(GoContextHttpServer.literalPath("/hello")).isEqualTo("/hello");
        assertThat(GoContextHttpServer.literalPath("/orders/42?expand=items&x=%zz"))
                .isEqualTo("/orders/42");
        assertThat(GoContextHttpServer.literalPath("/a#b?c")).isEqualTo("/a");
        assertThat(GoContextHttpServer.literalPath("/~user/it's(fine)*+,$&=:@!-._"))
                .isEqualTo("/~user/it's(fine)*+,$&=:@!-._");
    }

    @Test
    void leavesToFullPathWhatDecodingCouldChangeOrReject() {
        for (String uri : List.of(
                "/a%20b", "/caf%C3%A9", "/a b", "/[x]", "/caf\u00e9", "/a|b", "http://example.com/x", "*", "")) {
            assertThat(GoContextHttpServer.literalPath(uri)).as(uri).isNull();
        }
    }

    @Test
    void agreesWithFullPathOnRandomUris() {
        long seed = Long.getLong("gocontext.seed", System.nanoTime());
        Random random = new Random(seed);
        String alphabet = "/aZ09-._~!$&'()*+,;=:@%?#[] \"<>\\^`{|}\u00e9\u20ac";
        for (int n = 0; n < 20_000; n++) {
            StringBuilder uri = new StringBuilder(random.nextInt(8) == 0 ? "" : "/");
            int length = random.nextInt(12);
            for (int i = 0; i < length; i++) {
                uri.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String literal = GoContextHttpServer.literalPath(uri.toString());
            if (literal != null) {
                assertThat(literal)
                        .as("seed %d (-Dgocontext.seed=%d): path of %s", seed, seed, uri)
                        .isEqualTo(HttpOperations.resolvePath(uri.toString()));
            }
        }
    }
}
