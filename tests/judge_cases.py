"""Judge cases for issue 15, as plain data, with the verdict each one should get.

Shared by tests/test_judge_vocabulary.py, tests/test_judge_domains.py and bench/bench_judge.py
(which also runs them on the commit before, to measure agreement), so nothing here imports
the grader. A domain is (kind, low, high); `all_cases` gives every case in one form.
"""

# The course's formulas
COURSE = [
    # the sigmoid derivative, in the forms students write
    ({"z": ("real", -6, 6)}, "exp(-z)/(1 + exp(-z))^2", "sigmoid(z)*(1 - sigmoid(z))", "equal"),
    ({"z": ("real", -6, 6)}, "sigmoid(z) - sigmoid(z)^2", "sigmoid(z)*(1 - sigmoid(z))", "equal"),
    ({"z": ("real", -6, 6)}, "1/(2 + exp(z) + exp(-z))", "sigmoid(z)*(1 - sigmoid(z))", "equal"),
    ({"z": ("real", -6, 6)}, "sigmoid(z)*sigmoid(-z)", "sigmoid(z)*(1 - sigmoid(z))", "equal"),
    ({"z": ("real", -6, 6)}, "1 - sigmoid(z)^2", "sigmoid(z)*(1 - sigmoid(z))", "different"),
    ({"z": ("real", -6, 6)}, "exp(-z)/(1 + exp(-z))", "sigmoid(z)*(1 - sigmoid(z))", "different"),
    # tanh and its gradient through time
    ({"u": ("real", -4, 4)}, "1/cosh(u)^2", "1 - tanh(u)^2", "equal"),
    ({"u": ("real", -4, 4)}, "4/(exp(u) + exp(-u))^2", "1 - tanh(u)^2", "equal"),
    ({"u": ("real", -4, 4)}, "(1 - tanh(u))*(1 + tanh(u))", "1 - tanh(u)^2", "equal"),
    ({"u": ("real", -4, 4)}, "2*sigmoid(2*u) - 1", "tanh(u)", "equal"),
    ({"u": ("real", -4, 4)}, "1 - tanh(u)", "1 - tanh(u)^2", "different"),
    ({"w": ("real", -2, 2), "h": ("real", -2, 2)}, "w^2/(cosh(w*h)^2*cosh(w*tanh(w*h))^2)",
     "w^2*(1 - tanh(w*h)^2)*(1 - tanh(w*tanh(w*h))^2)", "equal"),
    ({"w": ("real", -2, 2), "h": ("real", -2, 2)}, "w^2*(1 - tanh(w*h)^2)",
     "w^2*(1 - tanh(w*h)^2)*(1 - tanh(w*tanh(w*h))^2)", "different"),
    # positional encoding: angles, frequencies, wavelengths
    ({"j": ("integer", 0, 255), "d": ("integer", 2, 1024)}, "10000^(-2*j/d)", "exp(-2*j*log(10000)/d)", "equal"),
    ({"j": ("integer", 0, 255), "d": ("integer", 2, 1024)}, "1/10000^(2*j/d)", "exp(-2*j*log(10000)/d)", "equal"),
    ({"j": ("integer", 0, 255), "d": ("integer", 2, 1024)}, "e^(-2*j*ln(10000)/d)", "exp(-2*j*log(10000)/d)", "equal"),
    ({"j": ("integer", 0, 255), "d": ("integer", 2, 1024)}, "exp(-2*j*10000/d)", "exp(-2*j*log(10000)/d)", "different"),
    ({"j": ("integer", 0, 255), "d": ("integer", 2, 1024)}, "2*pi/exp(-2*j*log(10000)/d)", "2*pi*10000^(2*j/d)", "equal"),
    ({"j": ("integer", 0, 255), "d": ("integer", 2, 1024)}, "pi*10000^(2*j/d)", "2*pi*10000^(2*j/d)", "different"),
    ({"i": ("integer", 0, 100), "j": ("integer", 0, 31), "d": ("integer", 64, 128)}, "sin(pi/2 - i/10000^(2*j/d))",
     "cos(i/10000^(2*j/d))", "equal"),
    # attention scaling: Var(q.k / sqrt(d)) = d / sqrt(d)^2 = 1, and the softmax of scaled scores
    ({"d": ("integer", 1, 4096)}, "d/sqrt(d)^2", "1", "equal"),
    ({"d": ("integer", 1, 4096)}, "d/sqrt(d)", "1", "different"),
    ({"s": ("real", -10, 10), "t": ("real", -10, 10), "d": ("integer", 1, 512)}, "1/(1 + exp((t - s)/sqrt(d)))",
     "exp(s/sqrt(d))/(exp(s/sqrt(d)) + exp(t/sqrt(d)))", "equal"),
    ({"s": ("real", -10, 10), "t": ("real", -10, 10), "d": ("integer", 1, 512)}, "sigmoid((s - t)/sqrt(d))",
     "exp(s/sqrt(d))/(exp(s/sqrt(d)) + exp(t/sqrt(d)))", "equal"),
    ({"s": ("real", -10, 10), "t": ("real", -10, 10), "d": ("integer", 1, 512)}, "sigmoid((s - t)/d)",
     "exp(s/sqrt(d))/(exp(s/sqrt(d)) + exp(t/sqrt(d)))", "different"),
    # the softmax derivative (two outputs: y_1 = sigmoid(x_1 - x_2))
    ({"a": ("real", -5, 5), "b": ("real", -5, 5)}, "sigmoid(a - b)*sigmoid(b - a)",
     "exp(a)*exp(b)/(exp(a) + exp(b))^2", "equal"),
]

# Trig and hyperbolic functions and inverses, relu, pi, e, towers
FUNCTIONS = [
    # trig and inverses, hyperbolic and inverses, relu, pi and e
    ({"x": ("real", -3, 3)}, "sin(x)^2 + cos(x)^2", "1", "equal"),
    ({"x": ("real", -1, 1)}, "tan(x)", "sin(x)/cos(x)", "equal"),
    ({"x": ("real", -1, 1)}, "asin(x) + acos(x)", "pi/2", "equal"),
    ({"x": ("real", -1, 1)}, "arcsin(x) + arccos(x)", "pi/3", "different"),
    ({"x": ("real", -20, 20)}, "atan(x) + atan(1/x)", "pi/2", "different"),  # -pi/2 for x < 0
    ({"x": ("real", 0.5, 20)}, "atan(x) + atan(1/x)", "pi/2", "equal"),
    ({"x": ("real", -3, 3)}, "cosh(x)^2 - sinh(x)^2", "1", "equal"),
    ({"x": ("real", -3, 3)}, "asinh(x)", "log(x + sqrt(x^2 + 1))", "equal"),
    ({"x": ("real", 1, 5)}, "acosh(x)", "log(x + sqrt(x^2 - 1))", "equal"),
    ({"x": ("real", -0.9, 0.9)}, "atanh(x)", "log((1 + x)/(1 - x))/2", "equal"),
    ({"x": ("real", -3, 3)}, "relu(x)", "(x + abs(x))/2", "equal"),
    ({"x": ("real", -3, 3)}, "relu(x) - relu(-x)", "x", "equal"),
    ({"x": ("real", -3, 3)}, "relu(x)", "abs(x)", "different"),
    ({"x": ("real", -3, 3)}, "e^x", "exp(x)", "equal"),
    ({"x": ("real", -3, 3)}, "e^(2*x)", "exp(x)^2", "equal"),
    ({"x": ("real", -3, 3)}, "exp(-x^2/2)/sqrt(2*pi)", "e^(-x^2/2)/sqrt(2*pi)", "equal"),
    ({"x": ("real", -3, 3)}, "exp(-x^2/2)/sqrt(pi)", "e^(-x^2/2)/sqrt(2*pi)", "different"),
    ({"x": ("real", -2, 2)}, "exp(x^2)", "exp(x)^2", "different"),
    ({"x": ("real", -2, 2), "a": ("real", -2, 2)}, "(x - a)^100", "(a - x)^100", "equal"),
    ({"x": ("real", -2, 2), "a": ("real", -2, 2)}, "(x - a)^101", "(a - x)^101", "different"),
]

# Undefined only at isolated points of the real variables: equal, both ways round
REMOVABLE = [  # (answer, key, domains): undefined only at isolated points of the real variables
    ("abs(x^2-4)/(abs(x-2)*abs(x+2))", "1", {"x": ("real", -5, 5)}),
    ("(x^2 - 4)/(x - 2)", "x + 2", {"x": ("real", -5, 5)}),
    ("sin(2*x)/(2*x)", "sin(x)*cos(x)/x", {"x": ("real", -3, 3)}),  # the key too: both skip x = 0
    ("x*sin(x)/(2*sin(x/2)*cos(x/2))", "x", {"x": ("real", -7, 7)}),  # undefined at 0 (and +-pi, never drawn)
    ("(x^2 - y^2)/(x - y)", "x + y", {"x": ("real", -3, 3), "y": ("real", -3, 3)}),  # a line in the plane
    ("6*((x-2)^3)^k", "6*(x-2)^(3*k)", {"x": ("real", -4, 4), "k": ("integer", -3, 3)}),  # both undefined at 2 for k < 0
    ("(exp(2*x) - 1)/(exp(x) - 1)", "exp(x) + 1", {"x": ("real", -2, 2)}),
    ("sin(x)^2/(1 - cos(x))", "1 + cos(x)", {"x": ("real", -7, 7)}),
    # k real: for x < 2 the key has values only at k = 1/3, 2/3, ..., isolated in its own domain
    ("6*((x-2)^3)^k", "6*(x-2)^(3*k)", {"x": ("real", -4, 4), "k": ("real", -3, 3)}),
    ("x^log(y)", "y^log(x)", {"x": ("real", -5, 5), "y": ("real", -5, 5)}),  # STACK's case: y < 0 only at x = e^n
]

# An answer without a value on an interval where the key has one: different (None: equal)
INTERVALS = [  # (answer, key, domains, what the note says, or None where the two are equal after all)
    ("abs(sqrt(x - 1))^2", "x - 1", {"x": ("real", -2, 2)}, "negative number to a fractional power"),
    ("log(x^2)/2", "log(abs(x))", {"x": ("real", -2, 2)}, None),  # equal: log(x^2) is defined for x < 0 too
    ("log(x)", "log(abs(x))", {"x": ("real", -2, 2)}, "log of zero or a negative number"),
    ("2*log(x)", "log(x^2)", {"x": ("real", -3, 3)}, "log of zero or a negative number"),
    ("asin(x/2)", "atan(x/sqrt(4 - x^2))", {"x": ("real", -1.9, 1.9)}, None),
    ("acos(x)", "pi/2 - atan(x/sqrt(1 - x^2))", {"x": ("real", -0.99, 0.99)}, None),
    ("sqrt(1 - x)*sqrt(1 + x)", "sqrt(1 - x^2)", {"x": ("real", -3, 3)}, None),  # both undefined outside [-1, 1]
    ("sqrt(x)*sqrt(y)", "sqrt(x*y)", {"x": ("real", -2, 2), "y": ("real", -2, 2)}, "negative number to a fractional power"),
]

# Keys defined on a small part of the declared domain
NARROW = [  # (answer, key, domains, verdict)
    ("-log((1-x)/(x+1))", "log((x+1)/(1-x))", {"x": ("real", -10, 10)}, "equal"),
    ("log(1+x) - log(1-x)", "log((x+1)/(1-x))", {"x": ("real", -10, 10)}, "equal"),
    ("2*atanh(x)", "log((x+1)/(1-x))", {"x": ("real", -10, 10)}, "equal"),
    ("log((1-x)/(x+1))", "log((x+1)/(1-x))", {"x": ("real", -10, 10)}, "different"),
    ("asin(x)", "atan(x/sqrt(1 - x^2))", {"x": ("real", -50, 50)}, "equal"),
    ("sqrt(0.01 - (x - 3)^2)", "sqrt(3.1 - x)*sqrt(x - 2.9)", {"x": ("real", -100, 100)}, "equal"),  # 1/1000 of it
    ("sqrt(0.01 - (x - 3)^2) + 0.001", "sqrt(3.1 - x)*sqrt(x - 2.9)", {"x": ("real", -100, 100)}, "different"),
    ("log((y - x^2)^3)/3", "log(y - x^2)", {"x": ("real", -10, 10), "y": ("real", -10, 10)}, "equal"),
    ("log((y - x^2)^3)", "log(y - x^2)", {"x": ("real", -10, 10), "y": ("real", -10, 10)}, "different"),
    ("2*log(y - x*x)", "log((y - x^2)^2)", {"x": ("real", -10, 10), "y": ("real", -10, 10)}, "different"),
]

# The declared domain decides: (answer, key, domains, verdict)
DECLARED = [
    ("(a^b)^c", "a^(b*c)", {"a": ("real", -3, 3), "b": ("real", -3, 3), "c": ("real", -3, 3)}, "different"),
    ("(a^b)^c", "a^(b*c)", {"a": ("real", 0.1, 3), "b": ("real", -3, 3), "c": ("real", -3, 3)}, "equal"),
    ("sqrt(x^2)", "x", {"x": ("real", -1, 1)}, "different"),
    ("sqrt(x^2)", "x", {"x": ("real", 0, 1)}, "equal"),
    ("log(x*y)", "log(x) + log(y)", {"x": ("real", 0.5, 4), "y": ("real", 0.5, 4)}, "equal"),
    ("log(x*y)", "log(x) + log(y)", {"x": ("real", -4, 4), "y": ("real", -4, 4)}, "equal"),  # where the key has values
    ("log(x) + log(y)", "log(x*y)", {"x": ("real", -4, 4), "y": ("real", -4, 4)}, "different"),
    ("(19601-13861*sqrt(2))^(7/4)", "x", {"x": ("real", 0, 1)}, "different"),  # not real: wrong, not unreadable
    ("(-x - 1)^(7/4)", "x^(7/4)", {"x": ("real", 0, 4)}, "different"),
]


def all_cases():
    """Every case as (class, domains, answer, key, verdict)."""
    for domains, answer, key, verdict in COURSE:
        yield "course", domains, answer, key, verdict
    for domains, answer, key, verdict in FUNCTIONS:
        yield "functions", domains, answer, key, verdict
    for answer, key, domains in REMOVABLE:
        yield "removable", domains, answer, key, "equal"
        yield "removable", domains, key, answer, "equal"
    for answer, key, domains, reason in INTERVALS:
        yield "interval", domains, answer, key, "equal" if reason is None else "different"
    for answer, key, domains, verdict in NARROW:
        yield "narrow", domains, answer, key, verdict
    for answer, key, domains, verdict in DECLARED:
        yield "declared", domains, answer, key, verdict
