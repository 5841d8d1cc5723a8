# nbgrader's settings for this course (written by course/build.py).
import os
# Autograding runs every submission on one machine: keep the checker's tries per notebook
# run, not in a file shared by all submissions.
os.environ['PATHWAY_COURSE_STATE'] = ''
c = get_config()
c.CourseDirectory.course_id = 'ketamine-pathway'
c.CourseDirectory.db_assignments = [dict(name='01_explorer'), dict(name='02_a_tiny_model'), dict(name='03_the_pathway'), dict(name='04_pharmacokinetics'), dict(name='05_dose_response'), dict(name='06_placebo_and_blinding'), dict(name='07_ketamine_vs_ssri'), dict(name='08_suicidal_ideation'), dict(name='09_enantiomers'), dict(name='10_mechanisms_and_animals'), dict(name='11_virtual_patients'), dict(name='12_scorecard_limits_glossary')]
# The student's blank answer line stays above the solution; nbgrader puts this in its place.
c.ClearSolutions.code_stub = {'python': '# YOUR CODE HERE'}
c.ClearSolutions.text_stub = 'YOUR ANSWER HERE'
# A notebook may take a while on a shared machine; a cell gets five minutes.
c.ExecutePreprocessor.timeout = 300
