"""Canvas: an IMS QTI 1.2 package (a zip) for Canvas's "Import existing content" (QTI .zip).

`imsmanifest.xml` lists one assessment per exercise. Each assessment holds one section
(a Canvas question group) per question, which draws one of that question's variants
(`selection_number` 1, the question's points per item). Items: numeric ->
`numerical_question` (the key with its tolerance as a range), choice ->
`multiple_choice_question`, multi -> `multiple_answers_question`, shape ->
`short_answer_question` (each accepted spelling). An item's ident carries its variant.
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

from grader.lms.quiz_items import Item, number_text, shape_forms

QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
CP_NS = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
RESOURCE_TYPE = "imsqti_xmlv1p2"
QUESTION_TYPES = {"numeric": "numerical_question", "choice": "multiple_choice_question",
                  "multi": "multiple_answers_question", "shape": "short_answer_question"}
FIXED_TIME = (2020, 1, 1, 0, 0, 0)  # zip entries dated alike, so the same bank gives the same bytes


def ident(*parts: str) -> str:
    """An XML-safe ident: 'g_' then the parts joined by '_' (ids are kebab-case already)."""
    return "g_" + "_".join(parts)


def _meta(parent: ET.Element, fields: dict[str, str]) -> None:
    metadata = ET.SubElement(parent, "qtimetadata")
    for label, entry in fields.items():
        field = ET.SubElement(metadata, "qtimetadatafield")
        ET.SubElement(field, "fieldlabel").text = label
        ET.SubElement(field, "fieldentry").text = entry


def _mattext(parent: ET.Element, text: str) -> None:
    material = ET.SubElement(parent, "material")
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    ET.SubElement(material, "mattext", {"texttype": "text/html"}).text = "".join(
        f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs)


def _feedback(item_element: ET.Element, feedback_ident: str, text: str) -> None:
    feedback = ET.SubElement(item_element, "itemfeedback", {"ident": feedback_ident})
    flow = ET.SubElement(feedback, "flow_mat")
    _mattext(flow, text)


def _condition(resprocessing: ET.Element, *, score: str | None, feedback: str | None, stop: bool) -> ET.Element:
    """A respcondition; returns its conditionvar for the caller to fill."""
    condition = ET.SubElement(resprocessing, "respcondition", {"continue": "No" if stop else "Yes"})
    conditionvar = ET.SubElement(condition, "conditionvar")
    if score is not None:
        ET.SubElement(condition, "setvar", {"action": "Set", "varname": "SCORE"}).text = score
    if feedback is not None:
        ET.SubElement(condition, "displayfeedback", {"feedbacktype": "Response", "linkrefid": feedback})
    return conditionvar


def _equal(parent: ET.Element, value: str) -> None:
    ET.SubElement(parent, "varequal", {"respident": "response1"}).text = value


def _text_entry(presentation: ET.Element, fibtype: str | None) -> None:
    response = ET.SubElement(presentation, "response_str", {"ident": "response1", "rcardinality": "Single"})
    render = ET.SubElement(response, "render_fib", {"fibtype": fibtype} if fibtype else {})
    ET.SubElement(render, "response_label", {"ident": "answer1", "rshuffle": "No"})


def _item(section: ET.Element, item: Item) -> None:
    item_ident = ident(item.exercise.id, item.question.id, item.variant)
    element = ET.SubElement(section, "item", {"ident": item_ident, "title": f"{item.question.id} ({item.variant})"})
    _meta(ET.SubElement(element, "itemmetadata"), {
        "question_type": QUESTION_TYPES[item.question.type],
        "points_possible": f"{item.question.points:g}",
        "grader_variant": item.idnumber,
    })
    presentation = ET.SubElement(element, "presentation")
    _mattext(presentation, item.text)
    processing = ET.SubElement(element, "resprocessing")
    outcomes = ET.SubElement(processing, "outcomes")
    ET.SubElement(outcomes, "decvar", {"maxvalue": "100", "minvalue": "0", "varname": "SCORE", "vartype": "Decimal"})
    feedbacks: list[tuple[str, str]] = []
    kind = item.question.type
    if kind == "numeric":
        _text_entry(presentation, "Decimal")
        either = ET.SubElement(_condition(processing, score="100", feedback=None, stop=True), "or")
        _equal(either, number_text(item.key))
        both = ET.SubElement(either, "and")
        ET.SubElement(both, "vargte", {"respident": "response1"}).text = repr(item.key - item.tolerance)
        ET.SubElement(both, "varlte", {"respident": "response1"}).text = repr(item.key + item.tolerance)
    elif kind == "shape":
        _text_entry(presentation, None)
        right = _condition(processing, score="100", feedback=None, stop=True)
        for form in shape_forms(item.key):
            _equal(right, form)
    else:
        response = ET.SubElement(presentation, "response_lid", {
            "ident": "response1", "rcardinality": "Single" if kind == "choice" else "Multiple"})
        choices = ET.SubElement(response, "render_choice")
        for option in item.options:
            label = ET.SubElement(choices, "response_label", {"ident": f"{item_ident}_{option.letter}"})
            _mattext(label, option.text)
            if option.feedback:
                feedback_ident = f"{item_ident}_{option.letter}_fb"
                feedbacks.append((feedback_ident, option.feedback))
                _equal(_condition(processing, score=None, feedback=feedback_ident, stop=False),
                       f"{item_ident}_{option.letter}")
        right = _condition(processing, score="100", feedback=None, stop=True)
        if kind == "choice":
            _equal(right, f"{item_ident}_{item.key}")
        else:
            every = ET.SubElement(right, "and")
            for option in item.options:
                target = every if option.letter in item.key else ET.SubElement(every, "not")
                _equal(target, f"{item_ident}_{option.letter}")
    if item.hint:
        ET.SubElement(_condition(processing, score=None, feedback="general_incorrect_fb", stop=False), "other")
        feedbacks.append(("general_incorrect_fb", item.hint))
    for feedback_ident, text in feedbacks:
        _feedback(element, feedback_ident, text)


def assessment_xml(items: list[Item]) -> str:
    """One exercise's items (all of one exercise) as a QTI assessment document."""
    exercise = items[0].exercise
    root = ET.Element("questestinterop", {"xmlns": QTI_NS})
    assessment = ET.SubElement(root, "assessment", {"ident": ident(exercise.id), "title": exercise.title})
    _meta(assessment, {"cc_maxattempts": "1"})
    top = ET.SubElement(assessment, "section", {"ident": "root_section"})
    for question in exercise.questions:
        mine = [item for item in items if item.question.id == question.id]
        if not mine:
            continue
        section = ET.SubElement(top, "section", {"ident": ident(exercise.id, question.id), "title": question.id})
        ordering = ET.SubElement(section, "selection_ordering")
        selection = ET.SubElement(ordering, "selection")
        ET.SubElement(selection, "selection_number").text = "1"
        extension = ET.SubElement(selection, "selection_extension")
        ET.SubElement(extension, "points_per_item").text = f"{question.points:g}"
        for item in mine:
            _item(section, item)
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def manifest_xml(assessments: list[str]) -> str:
    """imsmanifest.xml naming each assessment file (`<ident>/<ident>.xml`)."""
    root = ET.Element("manifest", {"identifier": "grader_quiz_export", "xmlns": CP_NS})
    metadata = ET.SubElement(root, "metadata")
    ET.SubElement(metadata, "schema").text = "IMS Content"
    ET.SubElement(metadata, "schemaversion").text = "1.1.3"
    ET.SubElement(root, "organizations")
    resources = ET.SubElement(root, "resources")
    for name in assessments:
        href = f"{name}/{name}.xml"
        resource = ET.SubElement(resources, "resource", {"identifier": name, "type": RESOURCE_TYPE, "href": href})
        ET.SubElement(resource, "file", {"href": href})
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def qti_files(items: list[Item]) -> dict[str, str]:
    """The package's files by name: the manifest and an assessment per exercise."""
    by_exercise: dict[str, list[Item]] = {}
    for item in items:
        by_exercise.setdefault(item.exercise.id, []).append(item)
    files = {}
    for exercise_id, mine in by_exercise.items():
        name = ident(exercise_id)
        files[f"{name}/{name}.xml"] = assessment_xml(mine)
    return {"imsmanifest.xml": manifest_xml([ident(e) for e in by_exercise]), **files}


def write_qti(items: list[Item], path: Path) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in qti_files(items).items():
            archive.writestr(zipfile.ZipInfo(name, FIXED_TIME), text.encode("utf-8"), zipfile.ZIP_DEFLATED)
