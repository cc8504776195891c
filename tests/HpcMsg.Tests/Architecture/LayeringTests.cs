using System.Text.RegularExpressions;
using HpcMsg.Tests.Infrastructure;

namespace HpcMsg.Tests.Architecture;

/// <summary>
/// The layers of src/HpcMsg (docs/architecture.md), lowest first: Internal; Bootstrap; Transports/Wire
/// (the transport-neutral header, with the files at the root of Transports/); the transports Shm, Tcp
/// and Ofi; Engine; Collectives (with Reductions); the API (the files at the root, and Serialization).
/// Each rule says which layers a folder's files must not name: a type declared at the top level of
/// that layer's files, or its namespace. The sources are read with comments and string literals
/// blanked (<see cref="CSharpLexer"/>), so that prose naming a type is not a dependency. The library's public exceptions
/// (Errors.cs) are a layer of their own: the API, the collectives and the engine throw them (the
/// engine turns a transport's <c>TransportException</c> into them at its boundary), and the bootstrap
/// fails with them; Internal, the wire header and the transports name none of them.
/// </summary>
public sealed partial class LayeringTests
{
    private static string Src => Path.Combine(RepositoryRoot.Path, "src", "HpcMsg");

    private sealed record Layer(string Name, string? Namespace, string[] Files);

    private static Layer Folder(string name, string relative, string ns) =>
        new(name, ns, Directory.GetFiles(Path.Combine(Src, relative), "*.cs", SearchOption.AllDirectories));

    private static readonly Lazy<Dictionary<string, Layer>> Layers = new(() =>
    {
        string transports = Path.Combine(Src, "Transports");
        var layers = new[]
        {
            Folder("Internal", "Internal", "HpcMsg.Internal"),
            Folder("Bootstrap", "Bootstrap", "HpcMsg.Bootstrap"),
            new Layer("Wire", "HpcMsg.Transports.Wire",
                [.. Directory.GetFiles(Path.Combine(transports, "Wire"), "*.cs", SearchOption.AllDirectories),
                 .. Directory.GetFiles(transports, "*.cs", SearchOption.TopDirectoryOnly)]),
            Folder("Shm", Path.Combine("Transports", "Shm"), "HpcMsg.Transports.Shm"),
            Folder("Tcp", Path.Combine("Transports", "Tcp"), "HpcMsg.Transports.Tcp"),
            Folder("Ofi", Path.Combine("Transports", "Ofi"), "HpcMsg.Transports.Ofi"),
            Folder("Engine", "Engine", "HpcMsg.Engine"),
            new Layer("Collectives", "HpcMsg.Collectives",
                [.. Directory.GetFiles(Path.Combine(Src, "Collectives"), "*.cs", SearchOption.AllDirectories),
                 .. Directory.GetFiles(Path.Combine(Src, "Reductions"), "*.cs", SearchOption.AllDirectories)]),
            new Layer("Errors", null, [Path.Combine(Src, "Errors.cs")]), // namespace HpcMsg, as every layer's is under
            new Layer("Api", "HpcMsg.Serialization",
                [.. Directory.GetFiles(Src, "*.cs", SearchOption.TopDirectoryOnly)
                    .Where(f => Path.GetFileName(f) != "Errors.cs"),
                 .. Directory.GetFiles(Path.Combine(Src, "Serialization"), "*.cs", SearchOption.AllDirectories)]),
        };
        return layers.ToDictionary(l => l.Name);
    });

    [Fact]
    public void Internal_names_no_layer_above_it() =>
        AssertNone("Internal", ["Bootstrap", "Wire", "Shm", "Tcp", "Ofi", "Engine", "Collectives", "Api", "Errors"]);

    [Fact]
    public void The_wire_header_names_no_particular_transport_and_nothing_above_the_transports() =>
        AssertNone("Wire", ["Shm", "Tcp", "Ofi", "Engine", "Collectives", "Api", "Errors"]);

    [Theory]
    [InlineData("Shm", new[] { "Tcp", "Ofi" })]
    [InlineData("Tcp", new[] { "Shm", "Ofi" })]
    [InlineData("Ofi", new[] { "Shm", "Tcp" })]
    public void A_transport_names_neither_another_transport_nor_the_engine_collectives_or_API(string transport, string[] others) =>
        AssertNone(transport, [.. others, "Engine", "Collectives", "Api", "Errors"]);

    /// <summary>The public exceptions are the API's: a transport reports a <c>TransportException</c>
    /// (root of <c>Transports/</c>) with its kind (peer lost, job aborted, error), which the engine turns
    /// into <c>RankFailedException</c>, <c>JobAbortedException</c> or <c>HpcMsgException</c>.</summary>
    [Fact]
    public void The_checker_sees_a_transport_naming_a_public_exception()
    {
        HashSet<string> errors = TypesOf(Layers.Value["Errors"]);
        Assert.Superset(new HashSet<string> { "HpcMsgException", "RankFailedException", "JobAbortedException", "MessageTruncatedException" }, errors);
        Assert.Single(Crossings(CodeOf("class A { void F() => throw new HpcMsgException(\"x\"); }"), errors, null));
        Assert.Empty(Crossings(CodeOf("class A { void F() => throw TransportException.Error(\"HpcMsgException\"); } // RankFailedException"), errors, null));
    }

    /// <summary>No exception: the engine works on its own <c>Operation</c> (pooled), which the API's
    /// public <c>Request</c> is a handle on, and reports with its own <c>Completion</c>, which the API
    /// turns into a <c>Status</c> (issue 18 item 2).</summary>
    [Fact]
    public void The_engine_names_no_collective_and_no_API_type() =>
        AssertNone("Engine", ["Collectives", "Api"]);

    /// <summary>The engine names no type or namespace of any particular transport (shared memory, TCP,
    /// libfabric): it drives the node's transport through the neutral <c>NodeTransport</c> and every
    /// other through <c>ITransport</c>, hears from them through <c>IRecordSink</c> and <c>IFrameSink</c>
    /// (all at the root of <c>Transports/</c>), and the composition root (<c>Communicator.Init</c>)
    /// builds them.</summary>
    [Fact]
    public void The_engine_names_no_particular_transport() =>
        AssertNone("Engine", ["Shm", "Tcp", "Ofi"]);

    [Fact]
    public void Collectives_name_no_particular_transport_and_no_bootstrap_internals() =>
        AssertNone("Collectives", ["Shm", "Tcp", "Ofi"]);

    [Fact]
    public void The_checker_sees_a_type_or_namespace_named_in_code_and_not_in_comments_or_strings()
    {
        var types = new HashSet<string> { "ProgressEngine" };
        Assert.Single(Crossings(CodeOf("class A { ProgressEngine e; }"), types, "HpcMsg.Engine"));
        Assert.Single(Crossings(CodeOf("using HpcMsg.Engine;\nclass A { }"), types, "HpcMsg.Engine"));
        Assert.Empty(Crossings(CodeOf("class A { } // ProgressEngine\n/* HpcMsg.Engine */ class B { string s = \"ProgressEngine\"; char c = '\"'; string t = @\"ProgressEngine\"; }"), types, "HpcMsg.Engine"));
        Assert.Empty(Crossings(CodeOf("class A { ProgressEngineX e; }"), types, "HpcMsg.Engine"));
        // The code in an interpolated string's hole is code; the text around it is not.
        Assert.Single(Crossings(CodeOf("class A { string s = $\"ProgressEngine {nameof(ProgressEngine)}\"; }"), types, "HpcMsg.Engine"));
    }

    /// <summary>Fails with every place where a file of <paramref name="layer"/> names a type or the
    /// namespace of a <paramref name="forbidden"/> layer, except the names in <paramref name="allowed"/>
    /// (types, or a namespace, allowed in every forbidden layer).</summary>
    private static void AssertNone(string layer, string[] forbidden, string[]? allowed = null)
    {
        var problems = new List<string>();
        foreach (string file in Layers.Value[layer].Files)
        {
            string code = CodeOf(File.ReadAllText(file));
            foreach (string other in forbidden)
            {
                Layer o = Layers.Value[other];
                HashSet<string> types = TypesOf(o);
                if (allowed is not null) types.ExceptWith(allowed);
                string? ns = o.Namespace is null || (allowed is not null && allowed.Contains(o.Namespace)) ? null : o.Namespace;
                foreach (string name in Crossings(code, types, ns))
                    problems.Add($"{Path.GetRelativePath(Src, file)} ({layer}) names {name} ({other})");
            }
        }
        Assert.True(problems.Count == 0, $"{problems.Count} layer crossings:\n" + string.Join("\n", problems.Distinct()));
    }

    /// <summary>The forbidden names <paramref name="code"/> uses: a type of <paramref name="types"/>, or
    /// the namespace <paramref name="ns"/> (null: the namespace is allowed, as for a using directive
    /// that brings in the one allowed type).</summary>
    private static IEnumerable<string> Crossings(string code, HashSet<string> types, string? ns)
    {
        if (ns is not null && Regex.IsMatch(code, @"\b" + Regex.Escape(ns) + @"\b")) yield return ns;
        foreach (Match m in Identifier().Matches(code))
            if (types.Contains(m.Value)) yield return m.Value;
    }

    private static readonly Dictionary<string, HashSet<string>> TypeCache = [];

    /// <summary>The types declared at the top level of a layer's files (file-scoped namespaces put
    /// them at column 0; nested types are reached through them).</summary>
    private static HashSet<string> TypesOf(Layer layer)
    {
        lock (TypeCache)
        {
            if (!TypeCache.TryGetValue(layer.Name, out HashSet<string>? types))
            {
                types = [];
                foreach (string file in layer.Files)
                    foreach (Match m in TopLevelType().Matches(CodeOf(File.ReadAllText(file))))
                        types.Add(m.Groups[1].Value);
                TypeCache[layer.Name] = types;
            }
            return [.. types];
        }
    }

    /// <summary>The source with comments, string and character literals replaced by spaces (line
    /// breaks kept); the code in an interpolated string's holes is kept (<see cref="CSharpLexer"/>).</summary>
    private static string CodeOf(string source) => CSharpLexer.Code(source, Literals.Blank);

    [GeneratedRegex(@"(?m)^(?:(?:public|internal|private|protected|static|sealed|abstract|unsafe|readonly|partial|ref|file)\s+)*(?:class|struct|interface|enum|record(?:\s+struct|\s+class)?)\s+(\w+)")]
    private static partial Regex TopLevelType();

    [GeneratedRegex(@"(?<!\w)[A-Za-z_]\w*")]
    private static partial Regex Identifier();
}
