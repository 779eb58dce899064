package dev.gocontext;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** context-core has no runtime dependencies: only the JDK (java.*) and the JSpecify annotations. */
class ArchitectureTest {
    private static JavaClasses core;

    @BeforeAll
    static void importCore() {
        // import the main classes' folder (or jar) only: scanning the whole test classpath is slow
        core = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importLocations(Set.of(Location.of(
                        Context.class.getProtectionDomain().getCodeSource().getLocation())));
    }

    @Test
    void dependsOnlyOnTheJdkAndJspecify() {
        classes()
                .that()
                .resideInAPackage("dev.gocontext..")
                .should()
                .onlyDependOnClassesThat()
                .resideInAnyPackage("dev.gocontext..", "java..", "org.jspecify.annotations..")
                .check(core);
    }

    @Test
    void doesNotUseJdkInternalsNorLoggingFrameworks() {
        noClasses()
                .that()
                .resideInAPackage("dev.gocontext..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("sun..", "jdk.internal..", "java.util.logging..", "javax..")
                .check(core);
    }

    @Test
    void theRuleSeesTheCoreClasses() {
        // guards against an importer that finds nothing, which would make the rules pass vacuously
        org.assertj.core.api.Assertions.assertThat(core.contain(CancelNode.class))
                .isTrue();
        org.assertj.core.api.Assertions.assertThat(core.contain(BadInputTest.class))
                .isFalse();
    }
}
