#!/bin/bash -eu
# Builds mmrace's Jazzer fuzz target (mmrace.jazzer.ScenarioFuzzTarget) for OSS-Fuzz and
# ClusterFuzzLite, in their JVM builder image (gcr.io/oss-fuzz-base/base-builder-jvm), from the
# source tree in $SRC/mmrace, into $OUT: the class path, a JDK 21 (the base image's JDK is older
# than the Java 21 mmrace targets), and one launcher per read path, mmrace_<variant>_fuzzer, in the
# form the OSS-Fuzz JVM guide gives (jazzer_driver with the agent, class path, target class and JVM
# arguments). Both oss-fuzz/projects/mmrace/build.sh and ClusterFuzzLite run this file.
#
# A forbidden verdict of the oracle is a crash; one whose root cause the oracle names (a known
# upstream bug) is not (mmrace.jazzer.skipKnown=true), so a campaign looks for new problems.
# Turn a crash input into a scenario: ./mmrace from-jazzer CRASH --variant V -o OUT.scn

cd "$SRC/mmrace"
JDK=${MMRACE_JDK:-/usr/lib/jvm/java-21-openjdk-amd64}
export JAVA_HOME="$JDK"
export PATH="$JDK/bin:$PATH"

# the project's jars and its runtime dependencies, without Jazzer: the infrastructure brings its
# own driver and agent (jazzer_driver, jazzer_agent_deploy.jar in $OUT)
mvn -B -q -DskipTests package dependency:copy-dependencies -DincludeScope=runtime \
  -DexcludeGroupIds=com.code-intelligence -DoutputDirectory="$OUT/mmrace-lib"
cp stress/target/mmrace-stress-*.jar "$OUT/mmrace-lib/mmrace-stress.jar"
rm -f "$OUT"/mmrace-lib/original-*.jar
rm -rf "$OUT/jdk-21"
cp -r "$JDK" "$OUT/jdk-21"

RUNTIME_CLASSPATH=$(cd "$OUT" && ls mmrace-lib/*.jar | xargs printf -- "\$this_dir/%s:")\$this_dir

for variant in slow fast-v1 fast-v1-irqoff fast-one-vma fast-one-vma-irqoff fast-one-vma-redo fast-one-vma-redo-irqoff; do
  fuzzer="mmrace_${variant//-/_}_fuzzer"
  # the JVM arguments: the scheduler hands control between virtual threads on one carrier
  jvm_args="-Xmx2048m:-Xss4m:--add-exports=java.base/jdk.internal.vm=ALL-UNNAMED:--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED:-Djdk.virtualThreadScheduler.parallelism=1:-Dmmrace.jazzer.variant=$variant:-Dmmrace.jazzer.skipKnown=true"
  echo "#!/bin/bash
# LLVMFuzzerTestOneInput for fuzzer detection.
this_dir=\$(dirname \"\$0\")
JAVA_HOME=\"\$this_dir/jdk-21\" \\
LD_LIBRARY_PATH=\"\$this_dir/jdk-21/lib/server\":\$this_dir \\
\$this_dir/jazzer_driver --agent_path=\$this_dir/jazzer_agent_deploy.jar \\
--cp=$RUNTIME_CLASSPATH \\
--target_class=mmrace.jazzer.ScenarioFuzzTarget \\
--instrumentation_includes='mmrace.**' \\
--jvm_args=\"$jvm_args\" \\
\$@" > "$OUT/$fuzzer"
  chmod +x "$OUT/$fuzzer"
done
