using System.Text.RegularExpressions;
using HpcMsg.Collectives;
using HpcMsg.Configuration;
using HpcMsg.Engine;
using HpcMsg.Tests.Infrastructure;

namespace HpcMsg.Tests.Configuration;

/// <summary>The parameter registry: parsing, the error a bad value gives, where a value comes from, and
/// that every HPCMSG_ variable the library and hpcrun name is declared there.</summary>
public sealed class ParameterTests
{
    /// <summary>An environment of the given variables only.</summary>
    private static Func<string, string?> Env(params (string Name, string Value)[] vars) =>
        name => vars.Where(v => v.Name == name).Select(v => v.Value).FirstOrDefault();

    [Fact]
    public void Integer_unset_or_empty_is_the_default_and_set_is_parsed()
    {
        Assert.Equal(16384, Parameters.EagerLimit.Read(Env()));
        Assert.Equal(16384, Parameters.EagerLimit.Read(Env(("HPCMSG_EAGER_LIMIT", ""))));
        Assert.Equal(4096, Parameters.EagerLimit.Read(Env(("HPCMSG_EAGER_LIMIT", "4096"))));
        // A default that depends on the job comes from the caller.
        Assert.Equal(0, Parameters.SpinMicros.ReadInt(Parameters.SpinMicrosOversubscribed, Env()));
        Assert.Equal(7, Parameters.SpinMicros.ReadInt(Parameters.SpinMicrosOversubscribed, Env(("HPCMSG_SPIN_US", "7"))));
    }

    [Theory]
    [InlineData("HPCMSG_EAGER_LIMIT", "16k", "[0, 2147483647]")]
    [InlineData("HPCMSG_EAGER_LIMIT", "-1", "[0, 2147483647]")]
    [InlineData("HPCMSG_SLEEP_US", "99", "[100, 1000000]")]
    [InlineData("HPCMSG_TCP_EAGER_LIMIT", "16777217", "[0, 16777216]")]
    [InlineData("HPCMSG_BCAST_SHORT_BYTES", "-5", ">= 0")]
    [InlineData("HPCMSG_LINEAR_MAX_RANKS", "4294967296", "[0, 2147483647]")]
    public void A_bad_integer_names_the_variable_the_value_and_the_range(string name, string value, string valid)
    {
        var p = (IntegerParameter)Parameters.Find(name)!;
        var e = Assert.Throws<HpcMsgException>(() => p.Read(Env((name, value))));
        Assert.Equal($"environment variable {name}='{value}' is invalid: expected an integer {(valid[0] == '[' ? "in " : "")}{valid}", e.Message);
    }

    [Fact]
    public void Bounds_set_by_the_job_narrow_the_range_in_the_message()
    {
        var e = Assert.Throws<HpcMsgException>(() => Parameters.Rank.ReadWithin(0, 0, 3, Env(("HPCMSG_RANK", "4"))));
        Assert.Equal("environment variable HPCMSG_RANK='4' is invalid: expected an integer in [0, 3]", e.Message);
        Assert.Equal(3, Parameters.Rank.ReadWithin(0, 0, 3, Env(("HPCMSG_RANK", "3"))));
    }

    [Fact]
    public void Switch_takes_0_or_1_only()
    {
        Assert.True(Parameters.ShmCma.Read(Env()));
        Assert.False(Parameters.ShmCma.Read(Env(("HPCMSG_SHM_CMA", "0"))));
        Assert.True(Parameters.AsymmetricFence.Read(Env()));
        Assert.False(Parameters.AsymmetricFence.Read(Env(("HPCMSG_ASYMMETRIC_FENCE", "0"))));
        var e = Assert.Throws<HpcMsgException>(() => Parameters.ShmCma.Read(Env(("HPCMSG_SHM_CMA", "yes"))));
        Assert.Equal("environment variable HPCMSG_SHM_CMA='yes' is invalid: expected 0 or 1", e.Message);
    }

    [Theory]
    [InlineData(null, null, false, nameof(LargeMessagePath.Auto))]
    [InlineData(null, null, true, nameof(LargeMessagePath.SingleCopy))] // oversubscribed: a pipeline needs both ranks on a core
    [InlineData(null, "auto", true, nameof(LargeMessagePath.Auto))]
    [InlineData(null, "single_copy", false, nameof(LargeMessagePath.SingleCopy))]
    [InlineData(null, "pipeline", false, nameof(LargeMessagePath.Pipeline))]
    [InlineData("1", "pipeline", true, nameof(LargeMessagePath.Pipeline))]
    [InlineData("0", null, false, nameof(LargeMessagePath.Pipeline))]
    [InlineData("0", "auto", false, nameof(LargeMessagePath.Pipeline))]
    [InlineData("0", "pipeline", true, nameof(LargeMessagePath.Pipeline))]
    public void The_large_message_path_follows_the_choice_the_single_copy_switch_and_oversubscription(
        string? cma, string? path, bool oversubscribed, string expected)
    {
        var vars = new List<(string, string)>();
        if (cma is not null) vars.Add(("HPCMSG_SHM_CMA", cma));
        if (path is not null) vars.Add(("HPCMSG_SHM_LARGE_PATH", path));
        Assert.Equal(expected, EngineConfig.ReadLargePath(oversubscribed, Env([.. vars])).ToString());
    }

    [Fact]
    public void Asking_for_single_copies_that_are_switched_off_names_both_variables()
    {
        var e = Assert.Throws<HpcMsgException>(() =>
            EngineConfig.ReadLargePath(false, Env(("HPCMSG_SHM_CMA", "0"), ("HPCMSG_SHM_LARGE_PATH", "single_copy"))));
        Assert.Equal("HPCMSG_SHM_LARGE_PATH=single_copy needs single copies, which HPCMSG_SHM_CMA=0 turns off", e.Message);
        e = Assert.Throws<HpcMsgException>(() => EngineConfig.ReadLargePath(false, Env(("HPCMSG_SHM_LARGE_PATH", "stream"))));
        Assert.Equal("environment variable HPCMSG_SHM_LARGE_PATH='stream' is invalid: expected one of auto, single_copy, pipeline", e.Message);
    }

    [Theory]
    [InlineData("scatter_allgather", nameof(BcastAlgorithm.ScatterAllgather))]
    [InlineData("ScatterAllgather", nameof(BcastAlgorithm.ScatterAllgather))]
    [InlineData("SCATTER_ALLGATHER", nameof(BcastAlgorithm.ScatterAllgather))]
    [InlineData("linear", nameof(BcastAlgorithm.Linear))]
    public void Choice_ignores_case_and_underscores(string text, string expected) =>
        Assert.Equal(expected, Parameters.CollBcast.Read(Env(("HPCMSG_COLL_BCAST", text))).ToString());

    [Theory]
    [InlineData("fastest")]
    [InlineData("1")] // Enum.TryParse would take a number; no algorithm is called 1
    [InlineData("binomial,linear")] // Enum.TryParse would take a list, and Binomial | Linear is Linear
    public void A_bad_choice_names_the_variable_the_value_and_every_algorithm(string text)
    {
        Assert.Null(Parameters.CollBcast.Read(Env()));
        var e = Assert.Throws<HpcMsgException>(() => Parameters.CollBcast.Read(Env(("HPCMSG_COLL_BCAST", text))));
        Assert.Equal($"environment variable HPCMSG_COLL_BCAST='{text}' is invalid: expected one of binomial, scatter_allgather, shared_memory, linear", e.Message);
    }

    [Fact]
    public void Text_with_allowed_words_takes_only_those()
    {
        Assert.Equal("auto", Parameters.Network.Read(Env()));
        Assert.Equal("ofi", Parameters.Network.Read(Env(("HPCMSG_NETWORK", "OFI"))));
        var e = Assert.Throws<HpcMsgException>(() => Parameters.Network.Read(Env(("HPCMSG_NETWORK", "ib"))));
        Assert.Equal("environment variable HPCMSG_NETWORK='ib' is invalid: expected one of auto, tcp, ofi", e.Message);
        Assert.Null(Parameters.OfiProvider.Read(Env()));
        Assert.Equal("tcp;ofi_rxm", Parameters.OfiProvider.Read(Env(("HPCMSG_OFI_PROVIDER", "tcp;ofi_rxm"))));
    }

    [Fact]
    public void Source_is_default_environment_or_launcher()
    {
        Assert.Equal(ParameterSource.Default, Parameters.EagerLimit.SourceIn(Env()));
        Assert.Equal(ParameterSource.Default, Parameters.EagerLimit.SourceIn(Env(("HPCMSG_EAGER_LIMIT", ""))));
        Assert.Equal(ParameterSource.Environment, Parameters.EagerLimit.SourceIn(Env(("HPCMSG_EAGER_LIMIT", "1"))));
        Assert.Equal(ParameterSource.Launcher, Parameters.Rank.SourceIn(Env(("HPCMSG_RANK", "0"))));
        Assert.Equal(ParameterSource.Default, Parameters.Rank.SourceIn(Env()));
    }

    [Fact]
    public void Every_parameter_is_declared_once_with_the_prefix_a_reason_and_a_valid_default()
    {
        Assert.Equal(Parameters.All.Count, Parameters.All.Select(p => p.Name).Distinct().Count());
        foreach (Parameter p in Parameters.All)
        {
            Assert.StartsWith("HPCMSG_", p.Name, StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(p.Reason), $"{p.Name} has no reason");
            Assert.False(string.IsNullOrWhiteSpace(p.DefaultText), $"{p.Name} has no default text");
            Assert.Same(p, Parameters.Find(p.Name));
            switch (p)
            {
                case IntegerParameter i: i.Validate(i.Default.ToString(System.Globalization.CultureInfo.InvariantCulture)); break;
                case SwitchParameter s: s.Validate(s.Default ? "1" : "0"); break;
                case TextParameter { Default: { } d } t: t.Validate(d); break;
            }
        }
        // The launcher's variables are declared as the launcher's, and only those.
        string[] launcher = [.. Parameters.All.Where(p => p.Owner == ParameterOwner.Launcher).Select(p => p.Name)];
        Assert.Equal(typeof(Parameters.Names).GetFields().Select(f => (string)f.GetRawConstantValue()!).Order(), launcher.Order());
    }

    [Fact]
    public void The_libraries_read_their_defaults_from_the_registry()
    {
        // Whatever this test process's environment holds, each reader holds what the registry reads.
        CollectiveTuning tuning = CollectiveTuning.FromParameters();
        Assert.Equal(Parameters.BcastShortBytes.Read(), tuning.BcastShortBytes);
        Assert.Equal(Parameters.AllreduceShortBytes.Read(), tuning.AllreduceShortBytes);
        Assert.Equal(Parameters.LinearMaxRanks.ReadInt(), tuning.LinearMaxRanks);
        Assert.Equal(Parameters.MaxObjectBytes.Read(), HpcMsg.Serialization.ObjectFraming.MaxObjectBytes);
        var config = HpcMsg.Engine.EngineConfig.FromEnvironment(HpcMsg.Transports.Shm.ShmTransport.LargestRecordPayload(1 << 20), oversubscribed: true);
        Assert.Equal(Parameters.SpinMicros.ReadInt(Parameters.SpinMicrosOversubscribed), config.SpinMicros);
        Assert.Equal(Parameters.Yields.ReadInt(Parameters.YieldsOversubscribed), config.Yields);
        Assert.Equal(Parameters.SleepMicros.ReadInt(), config.SleepMicros);
        Assert.Equal(Parameters.TcpEagerLimit.ReadInt(), config.TcpEagerLimit);
        Assert.Equal(Parameters.ShmCma.Read(), config.UseCrossMemoryAttach);
    }

    /// <summary>A new HPCMSG_ variable read anywhere in the library or hpcrun must be declared in the
    /// registry (this fails when someone reads one with Environment.GetEnvironmentVariable("HPCMSG_...")).</summary>
    [Fact]
    public void Every_HPCMSG_name_in_the_sources_is_declared()
    {
        string root = RepositoryRoot.Path;
        var literal = new Regex("\"(HPCMSG_[A-Z0-9_]+)\"", RegexOptions.CultureInvariant);
        var undeclared = new List<string>();
        foreach (string dir in new[] { "src/HpcMsg", "launcher/HpcRun" })
            foreach (string file in Directory.EnumerateFiles(Path.Combine(root, dir), "*.cs", SearchOption.AllDirectories))
            {
                if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)) continue;
                foreach (Match m in literal.Matches(File.ReadAllText(file)))
                    if (Parameters.Find(m.Groups[1].Value) is null) undeclared.Add($"{m.Groups[1].Value} in {Path.GetRelativePath(root, file)}");
            }
        Assert.True(undeclared.Count == 0, $"HPCMSG_ variables not declared in src/HpcMsg/Configuration/Parameters.cs: {string.Join("; ", undeclared)}");
    }
}
